"""`load_openapi`: a file to an `Api`, or one `OpenAPIError`."""

from __future__ import annotations

import os
from pathlib import Path

from fuzzer._errors import OpenAPIError
from strategies.openapi._operations import Builder
from strategies.openapi._reading import Files
from strategies.openapi._records import Api
from strategies.openapi._validation import check, version_of


def load_openapi(path: str | os.PathLike[str]) -> Api:
    """The operations of the OpenAPI 3.0 or 3.1 document at `path` (YAML, or JSON when it ends in `.json`)."""
    files = Files(Path(path))
    try:
        document = files.document()
        version = version_of(files, document)
        check(files, document, version)
        return Builder(files, version).api(document)
    except RecursionError as err:
        raise OpenAPIError(
            str(path), "the document nests too deeply, or a YAML alias contains itself", "flatten it"
        ) from err
