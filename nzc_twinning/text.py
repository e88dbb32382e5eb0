"""Names as the project compares them: search (web/search.py) and the Wikidata label check (loaders/wikidata.py)."""
import unicodedata

# Letters that Unicode does not decompose into a base letter and a mark, spelled as a reader without them would.
LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ŀ": "l"})


def fold(text: str) -> str:
    """Text without accents, case or spacing differences.

    >>> fold("Luleå"), fold("WÜRZBURG"), fold("Malmö"), fold("Łódź"), fold("Straße  Nord")
    ('lulea', 'wurzburg', 'malmo', 'lodz', 'strasse nord')
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(LETTERS)
    return " ".join(bare.split())
