"""Writes test/fixtures/ngram/nltk-kneser-ney.json: NLTK's interpolated Kneser-Ney on a small text,
the independent reference for src/ngram/kneser-ney.ts (test/ngram-nltk.test.ts reads it).

Run with Debian's python3-nltk (3.8): /usr/bin/python3 scripts/ngram/nltk-fixture.py
The fixture is committed; CI does not run this script.

How NLTK is set up to count what ours counts:
  - one "sentence", the whole text, no padding: lm.fit([everygrams(text, max_len=n)]), so every
    string of 1 to n characters is counted once per occurrence, as ours does;
  - KneserNeyInterpolated(order=n, discount=0.1): one fixed discount for every order (ours: discount 0.1).
What differs, and how the test compares:
  - NLTK's lowest order is the continuation unigram N1+(. w) / N1+(. .) itself, not discounted and
    not interpolated with the uniform 1/V as ours is. The fixture records, per query, NLTK's alpha and
    gamma at every context length >= 1 and its unigram score; the test checks ours term by term,
    and checks NLTK's score against our terms recombined over NLTK's unigram.
  - NLTK's gamma below the top order counts a context's distinct followers in raw counts, ours in
    continuation counts; they differ only for a string seen solely at the very start of the text.
    The text is chosen so that none is (asserted below), and every context NLTK sees has a
    non-zero continuation total (else NLTK divides by zero).
"""

import json
import os

from nltk.lm import KneserNeyInterpolated
from nltk.util import everygrams

TEXT = "the cat sat on the mat. the rat ate the hat; a cat, a rat. that hat sat on that mat!"
# order 1 is left out: NLTK counts no bigrams then, and its continuation unigram divides by zero
ORDERS = [2, 3, 4, 5]
# contexts (most recent last) and next characters (all in the text); some contexts never occur ("zq", "xx ")
QUERIES = [
    ("", "t"), ("", "!"), ("t", "h"), ("t", "a"), ("h", "e"), ("a", "t"),
    ("th", "e"), ("th", "a"), ("at", " "), ("at", "e"), ("e ", "c"), ("e ", "m"),
    ("the", " "), ("the", "m"), (" ca", "t"), ("at ", "t"), ("hat", ";"), ("ha", "t"),
    ("zq", "a"), ("xx ", "t"), (" a ", "c"), ("ca", "t"), ("t.", " "), (". ", "t"),
]


def check_text(text, n):
    for k in range(1, n):
        prefix = text[:k]
        assert text.find(prefix, 1) >= 0, f"{prefix!r} occurs only at the start: NLTK and ours would differ"


def main():
    out = {"text": TEXT, "discount": 0.1, "nltk": "3.8", "models": []}
    for n in ORDERS:
        check_text(TEXT, n)
        lm = KneserNeyInterpolated(n, discount=0.1)
        lm.fit([list(everygrams(list(TEXT), max_len=n))], vocabulary_text=list(TEXT))
        queries = []
        for context, w in QUERIES:
            ctx = tuple(context[-(n - 1):]) if n > 1 else ()
            terms = []
            # from the longest context down to length 1, as NLTK's unmasked_score recurses
            for j in range(len(ctx), 0, -1):
                c = ctx[-j:]
                if not lm.counts[c]:
                    terms.append({"length": j, "alpha": 0.0, "gamma": 1.0})
                else:
                    a, g = lm.estimator.alpha_gamma(w, c)
                    terms.append({"length": j, "alpha": a, "gamma": g})
            queries.append({
                "context": "".join(ctx),
                "char": w,
                "score": lm.score(w, ctx if ctx else None),
                "unigram": lm.estimator.unigram_score(w),
                "terms": terms,
            })
        out["models"].append({"order": n, "queries": queries})
    path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "ngram", "nltk-kneser-ney.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
