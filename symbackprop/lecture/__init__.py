"""The lecture's evidence and its document, on top of the core pipeline.

- :mod:`.claims`: every item L1–L22 with its status and evidence (:func:`lecture_claims`);
- :mod:`.identities`, :mod:`.cost`, :mod:`.divergence`, :mod:`.schedules`, :mod:`.gradient_norms`:
  the chain-rule identities (L7–L13), the cost of a sample-wise gradient (L4), softmax and KL (L18–L22),
  step-size schedules (L5), and vanishing/exploding gradients (L14);
- :mod:`.examples`: the trainers on the lecture's data sets; :mod:`.demo`: ``symbackprop demo``;
- :mod:`.document`: the whole lecture as one document (:func:`lecture_sections`), and
  :mod:`.regenerate`: the committed ``derivations/``.

Only the command line and the document builder use this package; nothing below it imports it.
"""
