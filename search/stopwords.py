"""Stopword lists for the German/English search analysis.

Small hand-made lists instead of a package list: the usual NLTK/Lucene lists
drop words that matter in this domain ("stadt", "weg", "ort", "land", "rat"),
and we want one place to see exactly what is thrown away.

All entries are stored *folded* (see ``search.analysis.fold``): lowercase,
umlauts as ae/oe/ue, ß as ss. ``search.analysis`` compares folded tokens.
"""

from __future__ import annotations


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text`` (keeps long lists readable)."""
    return frozenset(text.split())


# Function words removed at index time and at query time.
GERMAN_STOPWORDS: frozenset[str] = wordset(
    """
    aber alle allem allen aller alles als also am an andere anderem anderen anderer
    anderes auch auf aus bei beim bin bis bist bzw da dabei dadurch dafuer dagegen
    daher damit danach dann daran darauf daraus darin darueber darum das dass davon
    dazu dein deine deinem deinen deiner dem den denen denn der deren des dessen
    dich die dies diese diesem diesen dieser dieses dir doch dort du durch ein eine
    einem einen einer eines einige einigen einiger einiges er es etwa etwas euch
    euer eure eurem euren eurer fuer gegen gewesen hab habe haben hat hatte hatten
    hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in indem
    ins ist jede jedem jeden jeder jedes jedoch jene jenem jenen jener jenes kein
    keine keinem keinen keiner keines man manche manchem manchen mancher manches
    mehr mein meine meinem meinen meiner meines mich mir mit muss muessen nach
    nicht nichts noch nun nur ob oder ohne sehr sei sein seine seinem seinen seiner
    seines seit sich sie sind so solche solchem solchen solcher solches soll sollen
    sondern sonst sowie ueber um und uns unser unsere unserem unseren unserer
    unseres unter usw viel viele vom von vor waehrend war waren warst was wegen
    weil welche welchem welchen welcher welches wenn wer werde werden wie wieder
    will wir wird wirst wo wollen wollte wuerde wuerden zu zum zur zwar zwischen
    """
)

ENGLISH_STOPWORDS: frozenset[str] = wordset(
    """
    a about above after again against all am an and any are as at be because been
    before being below between both but by could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in
    into is it its itself just me more most my no nor not now of off on once only
    or other our ours out over own same she should so some such than that the
    their them then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your
    """
)

STOPWORDS: frozenset[str] = GERMAN_STOPWORDS | ENGLISH_STOPWORDS

# Words that start a question. A query starting with one of these (or ending
# with "?") is flagged as a question.
QUESTION_WORDS: frozenset[str] = wordset(
    """
    wie was wo wer wen wem wessen warum weshalb wieso weswegen wann welche welcher
    welches welchen welchem woher wohin womit wodurch wozu worauf woran worin
    gibt kann koennen koennte sollte muss
    how what where who whom which why when can could should is are do does
    """
)

# Words that carry no search meaning in a query ("Wie finden wir Beispiele
# für ...?"), removed at query time only. Documents keep them: "finden" can be
# part of a title, and removing it from the index would need a re-index
# whenever this list changes.
QUERY_NOISE_WORDS: frozenset[str] = QUESTION_WORDS | wordset(
    """
    finden finde findet suche suchen sucht gesucht geben gab gibt es
    beispiel beispiele beispielen machen mache macht gemacht bekommen
    find finding search searching looking look example examples get getting
    tipps tipp ideen idee moeglichkeiten moeglichkeit umsetzen organisieren
    make making there any set setting start starting create creating run running
    tips tip ideas idea ways way best good organise organize organising organizing
    """
)
