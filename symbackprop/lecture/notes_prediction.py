"""The last part of the notes, in the lecture's order: binary classification with ±1 labels (L17), the
multi-class questions, one-hot targets and the softmax (L18), KL, NE and CE with the gradient q − y
(L19, L22), and the distance axioms checked one by one for KL (L20, L21).
"""

from __future__ import annotations

import sympy as sp

from ..emit.document import Section, answer, section
from ..emit.layout import Layout, align
from ..emit.multiclass import kl_identity, softmax_distribution
from ..emit.network_doc import NetworkTex, output_layer, prediction_error_gradient
from ..printing import lecture_printer
from . import divergence, story

__all__ = ["binary_section", "multiclass_section", "kl_section", "distance_section"]


def _tuple(values: tuple) -> str:
    return r"\left(" + ", ".join(sp.latex(v) for v in values) + r"\right)"


def _approx(value: sp.Expr) -> str:
    return f"{float(sp.N(value, 20)):.4f}"


# --- binary classification (L17) ------------------------------------------------------------------------------

def binary_section() -> Section:
    def build() -> str:
        d = story.derivation("binary")
        net = d.net
        nt = NetworkTex(d)
        L = net.depth
        a, z = net.a(L)[0], net.z(L)[0]
        facts = story.binary_facts()
        run = story.binary_run().results[0]
        A, Y, Z = nt.tex(a), nt.tex(net.y[0]), nt.tex(z)
        if facts.forms_hold and facts.signal_holds:  # the lecture's way of writing them, each checked exactly
            rows = [
                rf"e &= -\frac{{1 + {Y}}}{{2}} \log {A} - \frac{{1 - {Y}}}{{2}} \log\left(1 - {A}\right)",
                rf"\delta^{{{L}}} = \frac{{\partial e}}{{\partial {A}}} &= -\frac{{1 + {Y}}}{{2 {A}}} + \frac{{1 - {Y}}}{{2 \left(1 - {A}\right)}}",
                rf"\frac{{\partial e}}{{\partial {Z}}} = \delta^{{{L}}}\, \sigma'\left({Z}\right) &= {A} - \frac{{1 + {Y}}}{{2}}",
            ]
        else:
            layout = Layout(nt.printer)
            rows = layout.equation("e", net.e) + layout.equation(r"\delta^{%d} = \frac{\partial e}{\partial %s}" % (L, A), facts.delta)
            rows += layout.equation(r"\frac{\partial e}{\partial %s} = \delta^{%d}\, \sigma'\left(%s\right)" % (Z, L, Z), facts.signal)
        sizes = ", ".join(map(str, net.sizes))
        return section(r"Binary classification: $\mathcal{Y} = \{+1, -1\}$ (L17)", [
            r"The task so far has two classes. The usual network has a single neuron in its last layer with the "
            r"logistic sigmoid $\sigma \colon \mathbb{R} \to (0, 1)$, and predicts $\mathrm{MLP}(\hat{x}; w) = "
            r"\sigma(W^{L} a^{L-1})$ followed by a threshold: class $+1$ when $\sigma(z^{L}_{1}) \ge \tfrac{1}{2}$. "
            f"SymPy solves $\\sigma(z) \\ge \\tfrac{{1}}{{2}}$: $z \\in {sp.latex(facts.threshold)}$, so the threshold is the sign of $z^{{L}}_{{1}}$.",
            r"\textbf{Which loss?} With labels $\pm 1$ the squared error $(y - \sigma(z))^{2}$ does not fit: for $y = -1$ "
            f"it never falls below ${sp.latex(facts.squared_floor)}$ (SymPy's infimum over $a \\in (0, 1)$), whatever the weights "
            r"(see the errata). The notes use the target probability $\tfrac{1+y}{2} \in \{0, 1\}$ instead --- with the "
            r"squared error, as in the simple example's labels, or with the logistic loss \beyond:",
            align(rows),
            r"(each form checked against SymPy's derivative of the loss, exactly), "
            r"so the error signal at the output neuron's input is the prediction minus the target probability, and for "
            r"$a = \sigma(z)$ the loss is $\log(1 + e^{-y z})$ for both labels (" + ("exact" if facts.logistic_holds else r"\textbf{NOT} confirmed") + ").",
            f"\\textbf{{On data.}} The binary example (120 points, labels $\\pm 1$) with the network $[{sizes}]$ "
            f"($\\tanh$ hidden layer, one sigmoid output, the logistic loss), trained by gradient descent with exact line "
            f"search for {run.steps} steps: $E$ from ${run.E_initial:.4g}$ to ${run.E_final:.4g}$, and thresholding at "
            f"$\\tfrac{{1}}{{2}}$ classifies {run.accuracy * 100:.1f}\\,\\% of the points correctly.",
        ], name="binary")

    return Section("binary", build)


# --- multi-class: the output layer and the softmax (L18) --------------------------------------------------------------

def multiclass_section() -> Section:
    def build() -> str:
        d = story.derivation("classification")
        net = d.net
        C = net.sizes[-1]
        c = 2
        one_hot = sp.ImmutableMatrix([int(j == c) for j in range(1, C + 1)])
        printer = lecture_printer(d.names)
        return section(r"Multi-class classification: the output layer (L18)", [
            r"Now $\mathcal{Y} = \{1, \ldots, C\}$ with $C \ge 2$ classes, and the same training data "
            r"$D = \{(x^{i}, y^{i})\}_{i=1}^{S}$. \textbf{Question 1:} what is a suitable architecture for the output "
            r"layer --- can the network with a single output neuron from binary classification be used, with its "
            r"logistic sigmoid? \textbf{Question 2:} what is a suitable loss?",
            r"One sigmoid output gives one number in $(0, 1)$: enough to weigh one class against another, not a "
            r"probability for each of $C > 2$ classes. The lecture's approach: \textbf{encode the label one-hot.} "
            r"The label $y = c$ becomes $y^{\mathrm{onehot}} \in \{0, 1\}^{C}$, with a 1 in coordinate $c$ and zeros "
            r"elsewhere --- a discrete probability distribution with all its mass on class $c$. For $C = %d$ and "
            r"$y = %d$: $y^{\mathrm{onehot}} = %s^{\top}$ (entries $\ge 0$, sum $%s$). From here on $y$ denotes the "
            r"one-hot vector." % (C, c, printer.doprint(one_hot.T), sp.latex(sum(one_hot))),
            r"\textbf{Step 1:} the output layer has $C$ neurons. Their activations $a^{L}_{1}, \ldots, a^{L}_{C}$ may be "
            r"arbitrary numbers, so \textbf{step 2} turns them into probabilities with the soft-max function "
            r"$q_{j} = \exp(a^{L}_{j}) / \sum_{r=1}^{C} \exp(a^{L}_{r})$, $j = 1, \ldots, C$. "
            r"\textbf{Exercise} (the lecture's ``verify this claim''): show that $q_{1}, \ldots, q_{C}$ form a discrete "
            r"probability distribution, with every $q_{j} > 0$.",
            answer(r"\textbf{Answer.} " + softmax_distribution(net, printer)),
            r"The network of this part is $[" + ", ".join(map(str, net.sizes)) + r"]$: a generic hidden layer, "
            r"$C = %d$ output neurons with no activation, the softmax and the loss of the next section." % C,
        ], name="multiclass")

    return Section("multiclass", build)


# --- KL, NE, CE and the gradient q − y (L19, L22) -------------------------------------------------------------------

def kl_section() -> Section:
    def build() -> str:
        d = story.derivation("classification")
        net = d.net
        nt = NetworkTex(d)
        check = all(sp.expand(delta - (q - y)) == 0 for delta, q, y in zip(d.output_delta, net.q, net.y))
        return section(r"Comparing distributions: KL, NE and CE (L19, L22)", [
            r"The network now outputs a distribution $q$; it is compared with the one-hot $y$ by the Kullback--Leibler "
            r"divergence. For distributions $p = (p_{1}, \ldots, p_{C})$ and $q$ with every $q_{j} > 0$ (the softmax "
            r"guarantees it),",
            align([r"\KL(p \,\|\, q) &= \sum_{j=1}^{C} p_{j} \log \frac{p_{j}}{q_{j}} = \sum_{j=1}^{C} p_{j} \log p_{j} "
                   r"- \sum_{j=1}^{C} p_{j} \log q_{j} = \NE(p) + \CE(p, q)"]),
            r"where $p$ is the true distribution --- here the one-hot target, $p = y$ --- and $q$ the predicted one; "
            r"$\NE(p)$ is the negative entropy of $p$ and $\CE(p, q)$ the cross-entropy between $p$ and $q$.",
            kl_identity(net.sizes[-1]),
            r"\textbf{The gradient (L22).} Differentiating the cross-entropy of the network written with the softmax "
            r"inputs (log-softmax) gives $\delta^{L}$; the one-hot constraint $\sum_{j} y_{j} = 1$ then makes every entry "
            r"$q_{j} - y_{j}$ " + ("(SymPy: each entry minus $q_{j} - y_{j}$ expands to 0)." if check else r"(\textbf{NOT} confirmed)."),
            *output_layer(nt),
            r"The last layer has no activation ($\Diag(\varphi^{L\prime}) = I$), so its weight gradient is the outer "
            r"product of the prediction error and the layer's input:",
            prediction_error_gradient(nt),
        ], name="kl")

    return Section("kl", build)


# --- the distance axioms (L20, L21) ---------------------------------------------------------------------------------

def distance_section() -> Section:
    def build() -> str:
        printer = lecture_printer()
        tex = printer.doprint
        C = story.classification_network().sizes[-1]
        p = [sp.Symbol(f"p_{{{j}}}", positive=True) for j in range(1, C + 1)]
        identity = sp.simplify(divergence.kl(p, p))
        asym = story.asymmetry()
        sign, R, N = divergence.log_sign(asym.backward - asym.forward)
        _, R_pq, N_pq = divergence.log_sign(asym.forward)
        _, R_qp, N_qp = divergence.log_sign(asym.backward)
        tri = story.triangle_counterexample()
        kl = divergence.kl
        kl_pr, kl_pq, kl_qr = kl(tri.p, tri.r), kl(tri.p, tri.q), kl(tri.q, tri.r)
        gibbs = divergence.gibbs_inequality()

        def closed(value: sp.Expr, ratio: sp.Rational, root: int) -> str:
            prefix = "" if root == 1 else r"\tfrac{1}{%d} " % root
            return f"{tex(sp.expand_log(value, force=True))} = {prefix}\\log {tex(ratio)}"

        compare = ">" if sign > 0 else "<"
        symmetry = "\n\n".join([
            r"\textbf{Answer.} SymPy, in closed form:",
            align([
                r"\KL(p \,\|\, q) &= " + closed(asym.forward, R_pq, N_pq) + r" \approx " + _approx(asym.forward),
                r"\KL(q \,\|\, p) &= " + closed(asym.backward, R_qp, N_qp) + r" \approx " + _approx(asym.backward),
            ]),
            f"and $\\KL(q \\,\\|\\, p) - \\KL(p \\,\\|\\, q) = \\tfrac{{1}}{{{N}}} \\log {tex(R)} {compare} 0$ exactly, since "
            f"${tex(R)} {compare} 1$: KL is \\textbf{{not symmetric}}.",
        ])
        triangle = "\n\n".join([
            r"\textbf{Answer.} No. With the same $p$ and $q$ and $r = " + _tuple(tri.r) + r"$ (the first $r$ with entries in "
            r"quarters that breaks it, found by symbackprop and decided exactly):",
            align([
                r"\KL(p \,\|\, r) &= " + tex(sp.expand_log(kl_pr, force=True)) + r" \approx " + _approx(kl_pr),
                r"\KL(p \,\|\, q) + \KL(q \,\|\, r) &= " + tex(sp.expand(sp.expand_log(kl_pq + kl_qr, force=True))) + r" \approx " + _approx(kl_pq + kl_qr),
                r"\KL(p \,\|\, r) - \KL(p \,\|\, q) - \KL(q \,\|\, r) &= " + tex(tri.gap) + " > 0",
            ]),
            f"(exact: ${tex(tri.ratio)} > 1$), so $\\KL(p \\,\\|\\, r) > \\KL(p \\,\\|\\, q) + \\KL(q \\,\\|\\, r)$: "
            r"KL does \textbf{not obey the triangle inequality}.",
        ])
        nonnegative = (
            r"\textbf{KL is non-negative (L21).} $\KL(p \,\|\, q) \ge 0$ for all distributions $p$ and $q$ with $q_{j} > 0$. "
            r"\beyond{} A proof for every $C$ in two exact steps: $g(t) = t - 1 - \log t$ has "
            f"$g'(t) = {tex(gibbs.derivative)}$ (SymPy: " + ("identical" if gibbs.derivative_holds else "NOT identical")
            + r" to the derivative), negative for $t < 1$ and positive for $t > 1$, and $g(1) = " + tex(gibbs.value_at_one)
            + r"$, so $\log t \le t - 1$. Term by term, $p_{j} \log \frac{q_{j}}{p_{j}} \le p_{j} \bigl(\frac{q_{j}}{p_{j}} - 1\bigr) = q_{j} - p_{j}$ "
            "(the last step " + ("an exact identity" if gibbs.term_identity_holds else "NOT an identity")
            + r"), and summing, $-\KL(p \,\|\, q) \le \sum_{j} q_{j} - \sum_{j} p_{j} = 1 - 1 = 0$."
        )
        return section(r"Is KL a distance? (L20, L21)", [
            r"A distance function $d \colon X \times X \to [0, \infty)$ has three properties: $d(x, x) = 0$ for all $x$ "
            r"(identity of indiscernibles), $d(x, y) = d(y, x)$ (symmetry), and $d(x, z) \le d(x, y) + d(y, z)$ "
            r"(the triangle inequality). Checked one by one for KL:",
            r"\textbf{1. Identity.} $\KL(p \,\|\, p) = \sum_{j} p_{j} \log 1$; for $C = %d$ SymPy simplifies it to $%s$ "
            r"for every $p$: it holds." % (C, tex(identity)),
            r"\textbf{2. Symmetry. Exercise} (the lecture's simple example): compute $\KL(p \,\|\, q)$ and "
            f"$\\KL(q \\,\\|\\, p)$ for $p = {_tuple(asym.p)}$ and $q = {_tuple(asym.q)}$.",
            answer(symmetry),
            r"\textbf{3. Triangle inequality. Exercise:} does KL obey it?",
            answer(triangle),
            nonnegative,
            r"So KL fails two of the three properties: it is not a distance but a \emph{divergence} --- non-negative, "
            r"and zero when $q = p$ --- and that is all a loss needs.",
        ], name="distance")

    return Section("distance", build)
