"""`python -m fuzzer` is `parity-fuzz`."""

import sys

from fuzzer.cli import main

sys.exit(main())
