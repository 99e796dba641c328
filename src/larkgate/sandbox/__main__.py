"""`python -m larkgate.sandbox`: run the emulator alone."""

from larkgate.sandbox.server import main

main()
