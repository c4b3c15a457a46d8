"""Words the extractive reader knows: counting words, months, words too vague to be an
answer, words that are not verbs, and the US states with the AP's abbreviations."""

from __future__ import annotations

import re

from index.terms import stem

# Numbers in words, as a regex alternation.
NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|\w+ty"


# A count before what is counted: "two worms" are "worms".
LEADING_COUNT = re.compile(r"^(?:[\d.,]+|one|two|three|four|five|six|seven|eight|nine|ten|"
                           r"dozens|hundreds|thousands|millions)\s+")


# How a month's name begins: a date with one of these names a day, not "this week".
MONTH_PREFIXES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                  "dec")


# Words too vague to be an answer or to tell sentences apart (stems).
VAGUE = {stem(w) for w in """today yesterday tomorrow time day week month year decade monday
           tuesday wednesday thursday friday saturday sunday january february march april may
           june july august september october november december people thing lot part way
           number kind type sort""".split()}



# The Associated Press's abbreviations of US states, as datelines use them ("NORTH
# CHARLESTON, S.C. —"); the states not listed are never abbreviated.
STATES = dict(pair.replace("_", " ").split("=") for pair in """Ala.=Alabama Ariz.=Arizona
    Ark.=Arkansas Calif.=California Colo.=Colorado Conn.=Connecticut Del.=Delaware Fla.=Florida
    Ga.=Georgia Ill.=Illinois Ind.=Indiana Kan.=Kansas Ky.=Kentucky La.=Louisiana Md.=Maryland
    Mass.=Massachusetts Mich.=Michigan Minn.=Minnesota Miss.=Mississippi Mo.=Missouri
    Mont.=Montana Neb.=Nebraska Nev.=Nevada N.H.=New_Hampshire N.J.=New_Jersey N.M.=New_Mexico
    N.Y.=New_York N.C.=North_Carolina N.D.=North_Dakota Okla.=Oklahoma Ore.=Oregon
    Pa.=Pennsylvania R.I.=Rhode_Island S.C.=South_Carolina S.D.=South_Dakota Tenn.=Tennessee
    Vt.=Vermont Va.=Virginia Wash.=Washington W.Va.=West_Virginia Wis.=Wisconsin
    Wyo.=Wyoming""".split())


STATE_NAMES = frozenset(STATES.values()) | {"Alaska", "Hawaii", "Idaho", "Iowa", "Maine",
                                              "Ohio", "Texas", "Utah"}


# How the name of a people ends ("English", "Japanese", "Australian", "Israeli"): such a word
# in the question names the country too.
DEMONYM_ENDINGS = ("ish", "ese", "an", "i")


# Words that stand for a name without giving it: never an answer.
PRONOUNS = frozenset("""i me you he him she her it we us they them his hers its our ours their
    theirs this that these those who whom which what someone something everyone""".split())
