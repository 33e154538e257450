#!/usr/bin/env python3
"""Build the book's pages as standalone HTML without Quarto, so they can be checked and looked at anywhere.

1. `stage`: copy `settings.ini`, `nbs/` and `ddpm_nb/` into a scratch folder, with a do-nothing `quarto` first on
   PATH (nbdev 2.4's `nbdev_proc_nbs` otherwise tries to install Quarto, and on failure runs
   `pip install -e .[dev]` as a side effect).
2. `run_proc_nbs`: run the real `nbdev_proc_nbs` there; it writes `_proc/`, the notebooks exactly as Quarto would
   receive them (hidden cells dropped, `show_doc` cells re-run, title cell turned into front matter). If it fails,
   `proc_missing` processes the notebooks it did not reach one by one, so each failing notebook gets its own error.
3. `nb_to_html`: turn one processed notebook into HTML with nbconvert's `HTMLExporter`, honouring the Quarto
   directives nbdev leaves in (`#| echo: false`, `#| output: false`, `#| include: false`), rendering the front
   matter as title + summary, linking pages by their Quarto names and loading MathJax 3 (from a CDN, or from a local
   copy with `--local-mathjax`, e.g. `npm install mathjax@3` then `node_modules/mathjax/es5/tex-chtml-full.js`).

Usage: python tools/html_docs.py [--out _docs_html] [--local-mathjax PATH]
"""
from __future__ import annotations
import argparse, copy, html, json, os, re, shutil, subprocess, sys, tempfile, warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MATHJAX_CDN = 'https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml-full.js'
_DIRECTIVE = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')


def stage(repo:Path, dest:Path)->Path:
    "Copy what `nbdev_proc_nbs` reads into `dest`, plus a stub `quarto` in `dest/bin`."
    ign = shutil.ignore_patterns('_proc', '.ipynb_checkpoints', '__pycache__', '.last_checked')
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(repo / 'settings.ini', dest / 'settings.ini')
    for d in ('nbs', 'ddpm_nb'): shutil.copytree(repo / d, dest / d, ignore=ign)
    (dest / 'bin').mkdir(exist_ok=True)
    q = dest / 'bin' / 'quarto'
    q.write_text('#!/bin/sh\n# stand-in: nbdev only checks that a quarto executable exists\nexit 0\n')
    q.chmod(0o755)
    return dest


def _env(stage_dir:Path)->dict:
    env = dict(os.environ)
    env['PATH'] = f"{stage_dir / 'bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop('IN_TEST', None)
    return env


def run_proc_nbs(stage_dir:Path, timeout:int=600)->subprocess.CompletedProcess:
    "Run nbdev's own `nbdev_proc_nbs` in `stage_dir` (writes `stage_dir/_proc`)."
    exe = shutil.which('nbdev_proc_nbs', path=str(Path(sys.executable).parent)) or 'nbdev_proc_nbs'
    return subprocess.run([exe], cwd=stage_dir, env=_env(stage_dir), capture_output=True, text=True, timeout=timeout)


_PROC_ONE = """
import sys
from pathlib import Path
from nbdev.serve_drv import exec_nb
from nbdev.processors import FilterDefaults
src, dst = Path(sys.argv[1]), Path(sys.argv[2])
dst.parent.mkdir(parents=True, exist_ok=True)
exec_nb(src, dst, FilterDefaults)
"""

def proc_missing(stage_dir:Path, timeout:int=300)->dict:
    "Process, one at a time, the notebooks `nbdev_proc_nbs` did not write; {name: error text} for those that fail."
    errors = {}
    for src in sorted((stage_dir / 'nbs').glob('*.ipynb')):
        if src.name.startswith(('_', '.')) or (stage_dir / '_proc' / src.name).exists(): continue
        r = subprocess.run([sys.executable, '-c', _PROC_ONE, str(src), str(stage_dir / '_proc' / src.name)],
                           cwd=stage_dir, env={**_env(stage_dir), 'IN_TEST': '1'}, capture_output=True, text=True,
                           timeout=timeout)
        if r.returncode: errors[src.name] = short_error(r.stderr)
    return errors


def short_error(text:str, n:int=40)->str:
    "The gist of a traceback: the root cause (e.g. `NameError: ...`) and nbdev's 'Error in notebook ... in cell N' part."
    lines = text.rstrip().splitlines()
    starts = [i for i, l in enumerate(lines) if 'Error in notebook' in l]
    if not starts: return '\n'.join(lines[-n:])
    causes = [l for l in lines[:starts[-1]]
              if re.match(r'^[A-Za-z_.]*(Error|Exception|Failure)\b.*:', l) and 'Error in notebook' not in l]
    return '\n'.join(([f'cause: {causes[-1]}'] if causes else []) + lines[starts[-1]:][:n])


def _src(cell)->str:
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s


def directives(src:str)->tuple[dict, str]:
    "Split the leading `#| key: value` lines of a code cell from the rest: ({key: value}, remaining source)."
    d, lines = {}, src.splitlines()
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if m: d[m.group(1)] = m.group(2); i += 1
        elif not lines[i].strip() and d: i += 1
        else: break
    return d, '\n'.join(lines[i:])


def frontmatter(nb)->dict:
    "The YAML front matter nbdev puts in a raw first cell (title, description, output-file), or {}."
    import yaml
    for c in nb['cells']:
        s = _src(c).strip()
        if c['cell_type'] == 'raw' and s.startswith('---'):
            return yaml.safe_load(s.strip('-\n')) or {}
    return {}


def page_name(nb, fallback:str)->str:
    "The HTML file Quarto would write for this notebook (`output-file`, e.g. posterior.html), else `<stem>.html`."
    return frontmatter(nb).get('output-file') or Path(fallback).with_suffix('.html').name


def prepare(nb):
    "A copy of a processed notebook ready for nbconvert: directives applied, front matter shown as title + summary."
    import nbformat
    nb = copy.deepcopy(nb)
    cells = []
    for c in nb.cells:
        s = _src(c)
        if c.cell_type == 'raw':
            if s.strip().startswith('---'):
                fm = frontmatter(nb)
                md = f"# {fm.get('title', '')}\n\n" + (f"*{fm['description']}*\n" if fm.get('description') else '')
                cells.append(nbformat.v4.new_markdown_cell(md))
            continue
        if c.cell_type == 'markdown':
            if s.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
            cells.append(c); continue
        d, body = directives(s)
        if d.get('include') == 'false' or 'hide' in d: continue
        c.source = body
        tags = set(c.metadata.get('tags', []))
        if d.get('echo') == 'false' or not body.strip(): tags.add('remove_input')
        if d.get('output') == 'false': c.outputs = []
        for o in c.get('outputs', []):                      # pandoc link attributes mean nothing to nbconvert
            md = o.get('data', {}).get('text/markdown')
            if md is not None:
                md = ''.join(md) if isinstance(md, list) else md
                o['data']['text/markdown'] = re.sub(r'(\]\([^)]*\))\{[^}]*\}', r'\1', md)
        c.metadata['tags'] = sorted(tags)
        if not body.strip() and not c.get('outputs'): continue
        cells.append(c)
    allowed = {'code': {'id', 'cell_type', 'metadata', 'execution_count', 'source', 'outputs'},
               'markdown': {'id', 'cell_type', 'metadata', 'source', 'attachments'}}
    for i, c in enumerate(cells):                           # drop nbdev's own keys (has_sd, ...): keep nbformat valid
        for k in set(c) - allowed[c.cell_type]: del c[k]
        c.setdefault('id', f'cell-{i}')
        if c.cell_type == 'code': c.setdefault('execution_count', None); c.setdefault('outputs', [])
    nb.cells = cells
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get('nbformat_minor', 5), 5)
    return nb


def _mathjax_block(url:str)->str:
    cfg = {'tex': {'inlineMath': [['$', '$'], ['\\(', '\\)']], 'displayMath': [['$$', '$$'], ['\\[', '\\]']],
                   'processEscapes': True, 'processEnvironments': True}}
    return (f'<script>window.MathJax = {json.dumps(cfg)};</script>\n'
            f'<script id="MathJax-script" async src="{html.escape(url)}"></script>')


def nb_to_html(nb, mathjax_url:str=MATHJAX_CDN, links:dict|None=None, nav:list|None=None)->str:
    "HTML for one processed notebook; `links` maps notebook names to page names, `nav` is [(title, page)]."
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    c.TagRemovePreprocessor.remove_cell_tags = {'remove_cell'}
    body, _ = HTMLExporter(config=c).from_notebook_node(prepare(nb))
    new, n = re.subn(r'<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->',
                     lambda m: _mathjax_block(mathjax_url), body, flags=re.S)
    if n != 1: raise RuntimeError("nbconvert's template has no MathJax block to replace (template changed?)")
    for nb_name, page in (links or {}).items():
        new = re.sub(r'href="(?:\./)?' + re.escape(nb_name) + r'(#[^"]*)?"', lambda m: f'href="{page}{m.group(1) or ""}"', new)
    if nav:
        bar = ' | '.join(f'<a href="{p}">{html.escape(t)}</a>' for t, p in nav)
        new = new.replace('<body', '<body', 1)
        new = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + f'\n<nav style="padding:.5em 1em;border-bottom:1px solid #ccc;'
                     f'font-family:sans-serif;font-size:90%">{bar}</nav>', new, count=1)
    return new


def sidebar_order(nbs:Path)->list[str]:
    "Notebook names in the order `nbs/sidebar.yml` lists them."
    import yaml
    out = []
    def walk(items):
        for it in items:
            if isinstance(it, str): out.append(it)
            elif isinstance(it, dict):
                if 'href' in it: out.append(it['href'])
                walk(it.get('contents', []))
    walk(yaml.safe_load((nbs / 'sidebar.yml').read_text())['website']['sidebar']['contents'])
    return out


def build(out:Path, local_mathjax:str|None=None, repo:Path=REPO, work:Path|None=None)->dict:
    "Stage, run `nbdev_proc_nbs`, export every processed notebook to `out`; returns a report dict."
    import nbformat
    work = Path(work or tempfile.mkdtemp(prefix='ddpm_nb_docs_'))
    st = stage(repo, work / 'repo')
    r = run_proc_nbs(st)
    errors = {} if r.returncode == 0 else proc_missing(st)
    proc = st / '_proc'
    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():                       # nbdev's _proc notebooks lack cell ids; prepare() adds them
        warnings.simplefilter('ignore')
        nbs = {p.name: nbformat.read(p, as_version=4) for p in sorted(proc.glob('*.ipynb'))}
    links = {name: page_name(nb, name) for name, nb in nbs.items()}
    order = [n for n in sidebar_order(repo / 'nbs') if n in nbs] + sorted(set(nbs) - set(sidebar_order(repo / 'nbs')))
    nav = [(frontmatter(nbs[n]).get('title', n) if n != 'index.ipynb' else 'Home', links[n]) for n in order]
    nav = [(re.sub(r'\$[^$]*\$', '', t).strip(' :'), p) for t, p in nav]
    pages = {}
    for name, nb in nbs.items():
        dest = out / links[name]
        mj = os.path.relpath(Path(local_mathjax).resolve(), out.resolve()) if local_mathjax else MATHJAX_CDN
        dest.write_text(nb_to_html(nb, mj, links, nav), encoding='utf-8')
        pages[name] = dest
    return dict(proc_returncode=r.returncode, proc_stdout=r.stdout, proc_stderr=r.stderr, errors=errors,
                stage=st, proc=proc, pages=pages)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(REPO / '_docs_html'), help='folder for the HTML pages (default: _docs_html)')
    ap.add_argument('--local-mathjax', metavar='PATH', help='tex-chtml-full.js of a local MathJax 3 (default: CDN)')
    a = ap.parse_args(argv)
    res = build(Path(a.out), a.local_mathjax)
    if res['proc_returncode']: print('nbdev_proc_nbs failed:\n' + short_error(res['proc_stderr']), file=sys.stderr)
    for name, err in res['errors'].items(): print(f'{name}: not processed\n{err}', file=sys.stderr)
    for name, page in sorted(res['pages'].items()): print(f'{name} -> {page}')
    return 1 if res['proc_returncode'] else 0


if __name__ == '__main__': sys.exit(main())
