from qa.entities import Entity, noun_phrases, spread


def test_a_person_named_in_full_is_a_person_by_the_surname_alone():
    texts = ["Ramaswamy went viral after he rapped at the fair.",
             "Candidate Vivek Ramaswamy is a fan of Eminem.",
             "The rapper objected to Ramaswamy, a biotech entrepreneur.",
             "Betty White toured the White House with Paula White."]
    found = [[], [Entity("Vivek Ramaswamy", "PERSON", 10, 25)],
             [Entity("Ramaswamy", "ORG", 23, 32)], [Entity("Betty White", "PERSON", 0, 11)]]
    spread_ = spread(texts, found)
    assert spread_[0] == [Entity("Ramaswamy", "PERSON", 0, 9)]
    assert spread_[2] == [Entity("Ramaswamy", "PERSON", 23, 32)]  # the tagger said ORG
    assert spread_[3] == found[3]  # "White House", "Paula White": other names


def test_a_name_in_quotes_is_a_candidate_phrase():
    text = "The government has unveiled its “Powering up Britain” plan to deliver net zero."
    found = noun_phrases([text], "name")[0]
    at = text.index("Powering")
    assert Entity("Powering up Britain", "PHRASE", at, at + 19) in found
