"""``python -m symbackprop.general``: print the general proof; exit 0 when it holds, 1 when not."""

import sys

from .proof import prove_general

proof = prove_general()
print(proof.report())
sys.exit(0 if proof.holds else 1)
