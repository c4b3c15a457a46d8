from qa.entities import Entity, spread


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
