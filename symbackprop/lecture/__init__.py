"""The lecture's evidence and its document, on top of the core pipeline.

- :mod:`.story`: the one example network of each topic and the runs, experiments and counterexample that
  the notes, the claims and the demo share (computed once per process);
- :mod:`.claims`: every item L1–L22 with one status and its evidence (:func:`lecture_claims`);
- :mod:`.identities`, :mod:`.cost`, :mod:`.divergence`, :mod:`.schedules`, :mod:`.gradient_norms`:
  the chain-rule identities (L7–L13), the cost of a sample-wise gradient (L4), softmax and KL (L18–L22),
  step-size schedules (L5), and vanishing/exploding gradients (L14);
- :mod:`.examples`: the trainers on the lecture's data sets; :mod:`.demo`: ``symbackprop demo``;
- :mod:`.notes_training`, :mod:`.notes_backprop`, :mod:`.gradient_flow`, :mod:`.notes_prediction`: the
  sections of the notes, in the lecture's order; :mod:`.figures`: their figures;
- :mod:`.document`: the whole lecture as one document (:func:`lecture_sections`), and
  :mod:`.regenerate`: the committed ``derivations/``.

Only the command line and the document builder use this package; nothing below it imports it.
"""
