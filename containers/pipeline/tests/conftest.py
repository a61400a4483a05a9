import sys
from pathlib import Path

# The tests import the pipeline modules and the stub steps as top-level modules, as the scripts do.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
