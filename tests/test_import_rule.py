"""The book's import rule, enforced on the package: a chapter's module imports only modules of earlier chapters (its
number in nbs/ is its place in the book), and no module takes another module's private (`_name`) names."""
import ast, json, re
from conftest import NBS, REPO, chapters, read_nb, src

PKG = REPO / 'ddpm_nb'


def chapter_of_module():
    "module name -> chapter number, from each chapter's `#| default_exp`."
    out = {}
    for p in chapters():
        for c in read_nb(p)['cells']:
            m = re.search(r'^#\|\s*default_exp\s+(\S+)', src(c), re.M)
            if m: out[m.group(1)] = int(p.name[:2]); break
    return out


def imports(mod):
    "(module imported, names taken) for each import of ddpm_nb/<mod>.py that points into the package."
    tree = ast.parse((PKG / f'{mod}.py').read_text(encoding='utf-8'))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            name = node.module or ''
            if node.level == 1: target = name.split('.')[0]
            elif name.startswith('ddpm_nb.'): target = name.split('.')[1]
            else: continue
            yield target, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith('ddpm_nb.'): yield a.name.split('.')[1], []


def test_every_chapter_module_is_known():
    ch = chapter_of_module()
    assert set(ch) == {p.stem for p in PKG.glob('*.py') if not p.stem.startswith('_')}


def test_imports_point_backwards_and_take_no_private_names():
    ch, breaks = chapter_of_module(), []
    for mod in ch:
        for target, names in imports(mod):
            if target not in ch: continue
            if ch[target] > ch[mod]: breaks.append(f"{mod} (chapter {ch[mod]}) imports {target} (chapter {ch[target]})")
            private = [n for n in names if n.startswith('_') and target != mod]
            if private: breaks.append(f"{mod} takes private names from {target}: {private}")
    assert breaks == [], '\n'.join(breaks)


def test_the_rule_can_fail(tmp_path, monkeypatch):
    "A module that imports a later chapter, and one that takes a private name, are both reported."
    import shutil, sys
    fake = tmp_path / 'ddpm_nb'; shutil.copytree(REPO / 'ddpm_nb', fake)
    (fake / 'forward.py').write_text((fake / 'forward.py').read_text() + '\nfrom .cli import train_main\nfrom .unet import _helper\n')
    monkeypatch.setattr(sys.modules[__name__], 'PKG', fake)
    try: test_imports_point_backwards_and_take_no_private_names()
    except AssertionError as e: msg = str(e)
    else: raise AssertionError('the broken import was not reported')
    assert 'forward (chapter 1) imports cli (chapter 19)' in msg and "forward takes private names from unet: ['_helper']" in msg
