"""Serialisation by style and explode, against the examples of the OpenAPI specification's style table
(Parameter Object, "Style Examples": color = "blue", ["blue", "black", "brown"], {"R": 100, "G": 200, "B": 150})."""

from __future__ import annotations

import pytest

from strategies.openapi._serialize import (
    cookie_header,
    cookie_pairs,
    encode_query,
    form_pairs,
    header_value,
    path_segment,
    query_pairs,
)

STRING = "blue"
ARRAY = ["blue", "black", "brown"]
OBJECT = {"R": 100, "G": 200, "B": 150}


@pytest.mark.parametrize(
    ("style", "explode", "value", "expected"),
    [
        ("matrix", False, "", ";color"),
        ("matrix", False, STRING, ";color=blue"),
        ("matrix", False, ARRAY, ";color=blue,black,brown"),
        ("matrix", False, OBJECT, ";color=R,100,G,200,B,150"),
        ("matrix", True, STRING, ";color=blue"),
        ("matrix", True, ARRAY, ";color=blue;color=black;color=brown"),
        ("matrix", True, OBJECT, ";R=100;G=200;B=150"),
        ("label", False, "", "."),
        ("label", False, STRING, ".blue"),
        ("label", False, ARRAY, ".blue,black,brown"),
        ("label", False, OBJECT, ".R,100,G,200,B,150"),
        ("label", True, ARRAY, ".blue.black.brown"),
        ("label", True, OBJECT, ".R=100.G=200.B=150"),
        ("simple", False, STRING, "blue"),
        ("simple", False, ARRAY, "blue,black,brown"),
        ("simple", False, OBJECT, "R,100,G,200,B,150"),
        ("simple", True, ARRAY, "blue,black,brown"),
        ("simple", True, OBJECT, "R=100,G=200,B=150"),
    ],
)
def test_path_styles(style: str, explode: bool, value: object, expected: str) -> None:
    assert path_segment("color", value, style, explode) == expected


@pytest.mark.parametrize(
    ("style", "explode", "value", "expected"),
    [
        ("form", False, "", "color="),
        ("form", False, STRING, "color=blue"),
        ("form", False, ARRAY, "color=blue,black,brown"),
        ("form", False, OBJECT, "color=R,100,G,200,B,150"),
        ("form", True, STRING, "color=blue"),
        ("form", True, ARRAY, "color=blue&color=black&color=brown"),
        ("form", True, OBJECT, "R=100&G=200&B=150"),
        ("spaceDelimited", False, ARRAY, "color=blue%20black%20brown"),
        ("spaceDelimited", False, OBJECT, "color=R%20100%20G%20200%20B%20150"),
        ("pipeDelimited", False, ARRAY, "color=blue|black|brown"),
        ("pipeDelimited", False, OBJECT, "color=R|100|G|200|B|150"),
        ("deepObject", True, OBJECT, "color[R]=100&color[G]=200&color[B]=150"),
    ],
)
def test_query_styles(style: str, explode: bool, value: object, expected: str) -> None:
    assert encode_query(query_pairs("color", value, style, explode)) == expected


def test_primitives_are_spelled_as_json_and_null_is_empty() -> None:
    assert encode_query(query_pairs("a", True, "form", True)) == "a=true"
    assert encode_query(query_pairs("a", 1.5, "form", True)) == "a=1.5"
    assert encode_query(query_pairs("a", None, "form", True)) == "a="
    assert path_segment("a", [1, False], "simple", False) == "1,false"


def test_percent_encoding_and_allow_reserved() -> None:
    assert encode_query(query_pairs("q", "a b&c=d/é+", "form", True)) == "q=a%20b%26c%3Dd%2F%C3%A9%2B"
    assert encode_query(query_pairs("q", "a/b:c?[d]", "form", True, allow_reserved=True)) == "q=a/b:c?[d]"
    assert encode_query(query_pairs("q", "#&=+", "form", True, allow_reserved=True)) == "q=%23%26%3D%2B"
    assert path_segment("id", "a/b", "simple", False) == "a%2Fb"
    assert encode_query(query_pairs("k y", "v", "form", True)) == "k%20y=v"


def test_headers_and_cookies() -> None:
    assert header_value(ARRAY, False) == "blue,black,brown"
    assert header_value(OBJECT, True) == "R=100,G=200,B=150"
    assert header_value("a b", False) == "a b"
    assert header_value("é\n", False) == "%C3%A9%0A"
    assert cookie_header(cookie_pairs("color", ARRAY, False)) == "color=blue,black,brown"
    assert cookie_header(cookie_pairs("color", ARRAY, True)) == "color=blue; color=black; color=brown"
    assert cookie_header(cookie_pairs("s", "a;b c", True)) == "s=a%3Bb%20c"


def test_form_bodies_follow_their_encoding() -> None:
    value = {"name": "Rex", "tags": ["a", "b"], "meta": {"x": 1}}
    encodings = {"tags": (None, "form", False, False), "meta": ("application/json", "form", True, False)}
    assert encode_query(form_pairs(value, encodings)) == "name=Rex&tags=a,b&meta=%7B%22x%22%3A1%7D"
    assert encode_query(form_pairs(value, {})) == "name=Rex&tags=a&tags=b&x=1"
