"""Roots on hand-made words: a plainly worded question meets the sentence that answers it
in other words."""

from qa.extractive.roots import meets, root, roots, share_met, weighted


def test_inflections_and_derivations_share_a_root():
    assert root("owns") == root("owner") == root("ownership") == "own"
    assert root("died") == root("death") == root("dead") == "die"
    assert root("directed") == root("director")
    assert root("stolen") == root("thieves") == "steal"
    assert root("countries") == "country" and root("planned") == "plan"


def test_a_role_asked_about_meets_what_it_is_called():
    assert meets("run", root("chief")) and meets("run", root("president"))
    assert meets("own", root("owner"))
    assert not meets("own", root("chief")) and not meets("run", root("owner"))


def test_function_words_are_skipped_but_own_and_against_are_kept():
    assert [r for r, _, _ in roots("Who owns the café?")] == ["own", "café"]
    assert [r for r, _, _ in roots("voted against it")] == [root("voted"), "against"]


def test_the_share_a_sentence_meets_is_weighted_by_idf():
    idf = {"procope": 5.0, "owns": 1.0}.get
    asked = weighted("Who owns Le Procope?", lambda t: idf(t, 2.0))
    assert asked["own"] == (5.0 + 2.0) / 2  # no search term: the mean of the others
    owner = share_met(asked, "Its owner, René Dubois, said the terrace seats eighty.")
    executives = share_met(asked, "Disney CEO Bob Iger and Netflix co-CEO Ted Sarandos.")
    assert owner == asked["own"] / sum(asked.values()) and executives == 0.0
    assert share_met(asked, "Le Procope's owner reopened it.") == 1.0
