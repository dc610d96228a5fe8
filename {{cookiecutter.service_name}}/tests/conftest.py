import sys
from pathlib import Path

# The service is run from its own directory (python service.py); make the tests see it the same way.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
