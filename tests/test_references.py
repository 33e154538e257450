"""The book has a bibliography, and the chapters cite it: nbs/references.ipynb lists the primary papers (each with
its arXiv link, or, for a journal paper with no arXiv version, the journal's page), and every author-year citation
in the markdown of the book's notebooks ("Ho et al. 2020", "Song & Ermon (2019)", "Hein, Andriushchenko and
Bitterwolf 2019") is one of its entries.

How: an entry is a list item of the references page that starts with its key in bold, `- **Ho et al. 2020.**`;
a citation is matched by the patterns below and resolved by its first author's surname and its year (accents
folded, a/b suffixes ignored); the course texts are cited by title, not by number."""
import re, unicodedata
import pytest
from conftest import NBS, notebooks, read_nb, src

PAGE = NBS / 'references.ipynb'
ENTRY = re.compile(r'^- \*\*(?P<key>[^*]+?)\.\*\*(?P<rest>.*)$', re.M)
NAME = r"[A-Z][\w'-]*[a-z]"
STRONG = re.compile(rf"\b(?P<first>{NAME})(?:(?:, {NAME})*,? (?:&|and) {NAME}| et al\.)(?:'s)?,? \(?(?P<year>(?:19|20)\d\d)[ab]?\b")
BARE = re.compile(rf"\b(?P<first>{NAME})(?:'s)? \(?(?P<year>(?:19|20)\d\d)[ab]?\b")
REQUIRED = ['Ho et al. 2020', 'Song, Meng & Ermon 2021', 'Song et al. 2021', 'Nichol & Dhariwal 2021',
            'Dhariwal & Nichol 2021', 'Ho & Salimans 2022', 'Song & Ermon 2019', 'Hyvärinen 2005', 'Vincent 2011',
            'Song et al. 2019', 'Kingma et al. 2021', 'Karras et al. 2022', 'Karras et al. 2024', 'Meng et al. 2023', 'Lu et al. 2022a', 'Lu et al. 2022b',
            'Lipman et al. 2023', 'Liu et al. 2023', 'Hang et al. 2023', 'Lin et al. 2024', 'Luo 2022',
            'Bradley & Nakkiran 2024', 'Chidambaram et al. 2024', 'Anderson 1982', 'Heusel et al. 2017',
            'Salimans et al. 2016', 'Goyal et al. 2017']
JOURNAL_ONLY = {'Hyvärinen 2005': 'jmlr.org/papers/v6/hyvarinen05a', 'Vincent 2011': 'doi.org/10.1162/NECO_a_00142'}
COURSE_NUMBER = re.compile(r"(?<![\d,.\w$^{}])(?<!\d )00[0-4](?![\d}]|[,.]\d)")   # '000', 'thesis 000', "002's eq. 12"; not 1,000, 200 000 or {,}000


def fold(s:str)->str:
    "Lower case without accents: 'Hyvärinen' -> 'hyvarinen'."
    return ''.join(c for c in unicodedata.normalize('NFKD', s) if not unicodedata.combining(c)).lower()


def entries()->dict:
    "key -> rest of the entry line, from the references page."
    text = '\n'.join(src(c) for c in read_nb(PAGE)['cells'] if c['cell_type'] == 'markdown')
    return {m['key']: m['rest'] for m in ENTRY.finditer(text)}


def key_of(first:str, year:str): return fold(re.sub(r"'s$", '', first)), year


def citations(text:str)->list:
    "(matched text, (surname, year)) for every author-year citation in `text`."
    out = [(m[0], key_of(m['first'], m['year'])) for m in STRONG.finditer(text)]
    rest = STRONG.sub(' ', text)                       # second authors of a strong match are not citations
    out += [(m[0], key_of(m['first'], m['year'])) for m in BARE.finditer(rest)]
    return out


def test_page_lists_the_primary_papers_with_links():
    assert PAGE.exists(), "nbs/references.ipynb is missing"
    es = entries()
    arxiv = [k for k, r in es.items() if re.search(r'\(https://arxiv\.org/abs/\d{4}\.\d{4,5}\)', r)]
    assert len(arxiv) >= 20, f"only {len(arxiv)} entries with an arXiv link"
    missing = [k for k in REQUIRED if k not in es]
    assert not missing, f"references.ipynb lacks {missing}"
    for k, site in JOURNAL_ONLY.items(): assert site in es[k], f"{k}: link the journal ({site})"
    unlinked = [k for k in REQUIRED if k not in JOURNAL_ONLY and k != 'Anderson 1982' and k not in arxiv]
    assert not unlinked, f"required papers without an arXiv link: {unlinked}"
    assert 'doi.org/10.1016/0304-4149(82)90051-5' in es['Anderson 1982']
    text = '\n'.join(src(c) for c in read_nb(PAGE)['cells'])
    for title in ['Diffusion Models in Depth', 'DDPMs Course Notes', 'Seminar Report']:
        assert title in text, f"the course text '{title}' is not listed"


def test_citation_patterns():
    "The patterns find the forms the book uses, and resolve them by first author and year."
    t = ("as Ho et al. (2020) show; Song & Ermon's (2019) sampler; Hein, Andriushchenko and Bitterwolf 2019; "
         "Song, Meng & Ermon (2021, eq. 12); Vincent 2011; in 2020 we")
    got = [k for _, k in citations(t)]
    assert got == [('ho', '2020'), ('song', '2019'), ('hein', '2019'), ('song', '2021'), ('vincent', '2011')], got


@pytest.mark.parametrize('name', [p.name for p in notebooks() if p.name != PAGE.name])
def test_citations_resolve(name):
    known = {key_of(*re.match(rf'({NAME}).*?((?:19|20)\d\d)', k).groups()) for k in entries()}
    cells = read_nb(NBS / name)['cells']
    bad = [(i, cit) for i, c in enumerate(cells) if c['cell_type'] == 'markdown'
           for cit, key in citations(src(c)) if key not in known]
    assert not bad, f"nbs/{name}: citations with no entry in references.ipynb: {bad}"
    numbered = [(i, m[0]) for i, c in enumerate(cells) if c['cell_type'] == 'markdown' for m in COURSE_NUMBER.finditer(src(c))]
    assert not numbered, f"nbs/{name}: course texts cited by number (cite the paper, or the text by title): {numbered}"
