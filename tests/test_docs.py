"""The documentation builds: nbdev's own `nbdev_proc_nbs` processes every notebook (this re-runs the cells nbdev needs
for `show_doc`, so it catches what `nbdev_docs` would choke on), the Quarto config is consistent with settings.ini
and lists every page, and every processed page converts to HTML with its figures and API docs, without errors.

How: tools/html_docs.py copies settings.ini, nbs/ and ddpm_nb/ to a scratch folder, runs `nbdev_proc_nbs` there
(with a stand-in `quarto` on PATH: Quarto is not needed to process notebooks), and exports every notebook of
`_proc/` with nbconvert's HTMLExporter into `_docs_html/` (git-ignored; open `_docs_html/index.html` to look).
If `nbdev_proc_nbs` fails, the notebooks it did not reach are processed one at a time so each gets its own verdict.
The chapter layout (title + summary, Colab badge, hidden Colab install cell) is checked on the source notebooks."""
import re, sys
import pytest
import yaml
from conftest import NBS, REPO, chapters, notebooks, read_nb, settings, src

sys.path.insert(0, str(REPO / 'tools'))
import html_docs

NB_NAMES = [p.name for p in notebooks()]
CH_NAMES = [p.name for p in chapters()]
COLAB_CELL = """#| hide
# On Colab, install the package this book builds (does nothing elsewhere).
import sys, subprocess
if 'google.colab' in sys.modules:
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', 'git+https://github.com/ddpm-nb/ddpm_nb'], check=True)"""
BADGE = ('[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]'
         '(https://colab.research.google.com/github/ddpm-nb/ddpm_nb/blob/main/nbs/{name})')


@pytest.fixture(scope='module')
def docs(tmp_path_factory):
    return html_docs.build(REPO / '_docs_html', work=tmp_path_factory.mktemp('docs'))


def test_nbdev_proc_nbs_succeeds(docs):
    if docs['proc_returncode']:
        per_nb = '\n\n'.join(f"{n}:\n{e}" for n, e in docs['errors'].items())
        pytest.fail("`nbdev_proc_nbs` failed (so would `nbdev_docs`). nbdev runs every cell holding an import, an "
                    "export or a show_doc when it builds the docs: keep imports in their own cell, apart from other "
                    "code (nbdev FAQ).\n" + html_docs.short_error(docs['proc_stderr']) +
                    (f"\n\nNotebooks that fail on their own:\n{per_nb}" if per_nb else ''))


def test_quarto_config_is_consistent(docs):
    q = yaml.safe_load((NBS / '_quarto.yml').read_text())
    assert q['project']['type'] == 'website'
    html = q['format']['html']
    assert html['theme'] == 'cosmo' and html['css'] == 'styles.css' and html['toc'] is True
    assert (NBS / 'styles.css').exists()
    assert q['website']['sidebar']['style'] == 'floating'
    assert q['metadata-files'] == ['nbdev.yml', 'sidebar.yml']
    # nbdev rewrites nbdev.yml from settings.ini on every docs build: the committed one must be what it writes
    regenerated = (docs['stage'] / 'nbs' / 'nbdev.yml').read_text()
    assert (NBS / 'nbdev.yml').read_text() == regenerated, \
        "nbs/nbdev.yml is out of date with settings.ini: run `nbdev_proc_nbs` (or `nbdev_docs`) and commit it"
    s, site = settings(), yaml.safe_load(regenerated)['website']
    assert site['title'] == s['title'] and site['repo-url'] == s['git_url']
    assert site['site-url'] == s['doc_host'] + s['doc_baseurl']


def test_sidebar_lists_every_page_once():
    order = html_docs.sidebar_order(NBS)
    assert order and order[0] == 'index.ipynb', f"the sidebar must start with index.ipynb: {order}"
    dup = sorted({o for o in order if order.count(o) > 1})
    assert not dup, f"listed twice in nbs/sidebar.yml: {dup}"
    missing = [o for o in order if not (NBS / o).exists()]
    assert not missing, f"nbs/sidebar.yml lists pages that do not exist: {missing}"
    unlisted = sorted(set(NB_NAMES) - set(order))
    assert not unlisted, f"notebooks missing from nbs/sidebar.yml (the book's order): {unlisted}"
    chs = [o for o in order if o in CH_NAMES]
    assert chs == sorted(chs), f"chapters out of order in nbs/sidebar.yml: {chs}"


def test_index_links_every_chapter():
    text = '\n'.join(src(c) for c in read_nb(NBS / 'index.ipynb')['cells'] if c['cell_type'] == 'markdown')
    links = set(re.findall(r'\]\(([\w-]+\.ipynb)\)', text))
    assert not sorted(l for l in links if not (NBS / l).exists()), f"index links to missing notebooks: {links}"
    assert not sorted(set(CH_NAMES) - links), f"index.ipynb's contents lack {sorted(set(CH_NAMES) - links)}"


@pytest.mark.parametrize('name', NB_NAMES)
def test_page_layout(name):
    "Title `# ...` with a `> ...` summary, then the Colab badge, then the hidden Colab install cell (verbatim)."
    cells = read_nb(NBS / name)['cells']
    i = next(k for k, c in enumerate(cells) if c['cell_type'] == 'markdown')
    if name in CH_NAMES:
        assert i == 1 and re.match(r'\s*#\|\s*default_exp\s+\w+', src(cells[0])), \
            f"{name}: the first cell must be `#| default_exp <module>` and the second the title"
    title = src(cells[i]).strip().splitlines()
    assert title[0].startswith('# ') and len(title[0]) > 3, f"{name}: the title cell must start with `# Title`"
    assert any(l.startswith('> ') and len(l) > 10 for l in title[1:]), f"{name}: the title cell needs a `> summary` line"
    assert src(cells[i + 1]).strip() == BADGE.format(name=name), f"{name}: the cell after the title must be the Colab badge"
    assert src(cells[i + 2]).strip() == COLAB_CELL, f"{name}: the cell after the badge must be the hidden Colab install cell"


def _processed(docs, name):
    p = docs['proc'] / name
    if not p.exists():
        err = docs['errors'].get(name) or "nbdev_proc_nbs did not write it"
        pytest.fail(f"{name} could not be processed for the docs:\n{err}")
    return read_nb(p)


@pytest.mark.parametrize('name', NB_NAMES)
def test_page_renders(name, docs):
    nb = _processed(docs, name)
    outs = [(c, o) for c in nb['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', [])]
    errs = [src(c)[:200] for c, o in outs if o.get('output_type') == 'error'
            or (o.get('name') == 'stderr' and 'Traceback' in ''.join(o.get('text', '')))]
    assert not errs, f"{name}: cells with error outputs on the page:\n" + '\n---\n'.join(errs)
    page = docs['pages'][name]
    html = page.read_text(encoding='utf-8')
    assert 'MathJax-script' in html, f"{page}: no MathJax"
    if name not in CH_NAMES: return
    imgs = [o for c, o in outs if any(k in o.get('data', {}) for k in ('image/png', 'image/svg+xml', 'image/jpeg'))]
    assert imgs, f"{name}: no figure on the page (at least one is expected per chapter)"
    n_html = len(re.findall(r'<img[^>]*src="data:image/', html)) + html.count('<svg')
    assert n_html >= len(imgs), f"{page}: {len(imgs)} figures in the notebook, {n_html} in the HTML"
    docs_cells = [c for c in nb['cells'] if c['cell_type'] == 'code' and re.search(r'^show_doc\(', src(c), re.M)
                  and any('text/markdown' in o.get('data', {}) for o in c.get('outputs', []))]
    assert docs_cells, f"{name}: no show_doc output on the page (document each exported function with show_doc)"
    first = docs_cells[0]['outputs'][0]['data']['text/markdown']
    heading = re.search(r'^#+\s+(\S+)', ''.join(first), re.M)
    assert heading and heading.group(1) in html, f"{page}: the show_doc heading {heading} is not in the HTML"
