"""Take a screenshot of an HTML report page (`parity-fuzz fuzz --report-html PATH`) with headless Chromium.

    python bench/screenshot.py report.html -o docs/report.png [--width 1280] [--height 1600] [--full-page]

It uses Playwright for Python when it is installed and has a browser, and otherwise a Chromium binary
(`--chromium PATH`, the CHROMIUM environment variable, or chromium, chromium-headless-shell, chromium-browser,
google-chrome on PATH) run as `--headless --screenshot`. Without either it says how to install one and exits 2.
The page loads nothing from the network (its Content-Security-Policy forbids it); Chromium is given no network
to use either way.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

BINARIES = ("chromium", "chromium-headless-shell", "chromium-browser", "google-chrome", "headless_shell")
INSTALL = (
    "no headless Chromium found; install one with `pip install playwright && python -m playwright install "
    "chromium`, or install the chromium package and pass --chromium PATH"
)
TIMEOUT_S = 120


def _sandbox_args() -> list[str]:
    """Chromium will not start as root with its sandbox; the page is a local file without scripts."""
    return ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def with_playwright(page: Path, out: Path, width: int, height: int, full: bool, binary: str | None) -> bool:
    """True when Playwright took the screenshot; False when it is not installed or has no browser."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        return False
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=binary, args=_sandbox_args())
            try:
                context = browser.new_context(
                    viewport={"width": width, "height": height}, java_script_enabled=False, offline=True
                )
                tab = context.new_page()
                tab.goto(page.resolve().as_uri())
                tab.screenshot(path=str(out), full_page=full)
            finally:
                browser.close()
    except Error as err:
        if "Executable doesn't exist" in str(err):
            return False  # Playwright without its browser: try a Chromium binary
        first = (str(err).strip().splitlines() or ["no detail"])[0]
        raise SystemExit(f"screenshot: Playwright could not take the screenshot: {first}") from err
    return True


def with_binary(page: Path, out: Path, width: int, height: int, binary: str) -> None:
    command = [
        binary,
        "--headless",
        *_sandbox_args(),
        "--disable-gpu",
        "--hide-scrollbars",
        "--disable-background-networking",
        "--no-first-run",
        f"--window-size={width},{height}",
        f"--screenshot={out.resolve()}",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    if done.returncode != 0 or not out.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"screenshot: {binary} failed with exit code {done.returncode}: {last}")


def find_binary(given: str | None) -> str | None:
    if given:
        return given
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    return next((found for name in BINARIES if (found := shutil.which(name))), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshot an HTML report with headless Chromium.")
    parser.add_argument("page", type=Path, help="the report page (from --report-html)")
    parser.add_argument("-o", "--out", type=Path, default=Path("docs/report.png"), help="the PNG to write")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1600, help="viewport height (the top of the page)")
    parser.add_argument("--full-page", action="store_true", help="the whole page (Playwright only)")
    parser.add_argument("--chromium", default=None, help="a Chromium binary to use")
    args = parser.parse_args(argv)
    if not args.page.is_file():
        hint = "write one with `parity-fuzz fuzz --report-html PATH`"
        print(f"screenshot: {args.page}: no such file; {hint}", file=sys.stderr)
        return 2
    if not (100 <= args.width <= 8000 and 100 <= args.height <= 20000):
        print("screenshot: --width must be 100-8000 and --height 100-20000 pixels", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    binary = find_binary(args.chromium)
    if with_playwright(args.page, args.out, args.width, args.height, args.full_page, binary):
        how = "playwright" + (f" with {binary}" if binary else "")
    elif binary is not None:
        with_binary(args.page, args.out, args.width, args.height, binary)
        how = binary
    else:
        print(f"screenshot: {INSTALL}", file=sys.stderr)
        return 2
    print(f"{args.out}: {args.out.stat().st_size // 1024} KiB, {args.width}x{args.height} viewport, via {how}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
