"""Run the counting CLI: python -m pb.tally FILE.pb [options]."""
import sys

from pb.tally.cli import main

sys.exit(main())
