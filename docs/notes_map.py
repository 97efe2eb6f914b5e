#!/usr/bin/env python3
"""Writes docs/notes-map.md: every "Notes §x.y", "Notes A, Qn", "Notes B, ..." and "Slides D, ..." citation in lib/ and
notebooks/, resolved to the section's title in the notes' contents list and to where the workbook cites it.
Usage (from the repository root): python3 docs/notes_map.py PATH_TO_NOTES_FOLDER"""
import collections, glob, os, re, sys

notes = sys.argv[1] if len(sys.argv) > 1 else '../shared/notes'
toc = {}
for line in open(os.path.join(notes, '002_446f423dfb86bdf1.txt'), encoding='utf-8'):
    line = line.replace('<b>', '').replace('</b>', '')
    m = re.match(r'^(\d+(?:\.\d+)*)\s+(.+?)\s+\d+\s*$', line.strip())
    if m and m.group(1) not in toc:
        toc[m.group(1)] = re.sub(r'(\s*\.)+\s*$', '', m.group(2)).strip()
toc['6'] = 'Natural Language Processing (NLP)'
chapters = {
    '2': 'what a model is judged by (risk), the bias/variance split and regularisation: notebook 01',
    '3': 'first-order and second-order descent and the adaptive optimisers: notebook 02',
    '4': 'backpropagation and what makes deep nets train (initialisation, batch norm, clipping, ensembles, dropout): notebook 03',
    '5': 'convolutional networks, detection and segmentation, and looking inside a trained CNN: notebooks 04-04d',
    '6': 'sequence models, attention, transformers, word vectors and pretrained language models: notebooks 05-15b',
    '7': 'imitation, policy gradients and their off-policy form: notebooks 16-18, the base for 19-25',
}
descriptions = {
    ('A', 'Q4'): 'why continuous action spaces are hard, and the Gaussian policy',
    ('A', 'Q5'): "TRPO's trust region: each policy update kept small in KL",
    ('A', 'Q7'): "PPO's two ways to keep updates small: the clipped surrogate and the adaptive KL penalty",
    ('A', 'Q10'): 'the similarity functions of attention (dot, scaled dot, cosine, additive)',
    ('A', 'Q11'): 'relative positional encoding (learned offset vectors, and the offset-bias variant)',
    ('A', 'Q12'): 'multi-head attention, masked attention and layer normalisation',
    ('B', 'Attention in RL'): 'policies that attend over entities, agents or past states',
    ('B', 'Bahdanau and Luong'): 'additive and multiplicative attention for translation',
    ('D', 'Tokenization'): 'word, character and subword (BPE) tokens, and the "9.11 vs 9.9" example',
}
cites = collections.defaultdict(set)
files = glob.glob('lib/**/*.cs', recursive=True) + glob.glob('notebooks/*.ipynb')
for f in (f for f in files if '/obj/' not in f and '/bin/' not in f):
    text = open(f, encoding='utf-8').read()
    where = os.path.basename(f).split('-')[0] if f.startswith('notebooks/') else f.replace('lib/Workbook/', '')
    for kind, pattern in (('N', r'Notes §(\d+(?:\.\d+)*)'), ('A', r'Notes A, (Q\d+)'),
                          ('B', r'Notes B, ([A-Z][A-Za-z]+(?: (?:and|in) [A-Z][A-Za-z]+)?)'), ('D', r'Slides D, ([A-Z][A-Za-z-]+)')):
        for m in re.finditer(pattern, text):
            cites[(kind, m.group(1).rstrip('.'))].add(where)

def key(s):
    return [int(x) for x in s.split('.')]

def title(section):
    parts = section.split('.')
    while parts:
        p = '.'.join(parts)
        if p in toc:
            return toc[p] if p == section else f'under {p} {toc[p]}'
        parts = parts[:-1]
    return '(not in the contents list: check the citation)'

def cited_in(places):
    nbs = sorted(x for x in places if re.match(r'^\d\d[a-z]?$', x))
    libs = sorted(x for x in places if x not in nbs)
    out = [('notebook ' if len(nbs) == 1 else 'notebooks ') + ', '.join(nbs)] if nbs else []
    if libs:
        out.append('`' + '`, `'.join(libs[:4]) + '`' + (f' and {len(libs) - 4} more' if len(libs) > 4 else ''))
    return '; '.join(out)

lines = ['# Where a citation points: the notes map', '',
         'The notebooks and the library cite the course notes by section ("Notes §6.7.2.1", "Notes A, Q10", "Notes B, Attention',
         'in RL", "Slides D, Tokenization"). The notes are the course\'s own material and are not in this repository (the CS182',
         'Spring 2021 notes for the § numbers; a question-and-answer sheet, an article on attention and the CSE 291 slides for A, B',
         'and D). This page resolves every citation in `lib/` and `notebooks/` to the section\'s title as the notes\' contents list',
         'gives it, the part of the course it belongs to, and where the workbook cites it. A section deeper than the contents list',
         'is shown under its nearest listed parent. Regenerate: `python3 docs/notes_map.py PATH_TO_NOTES`.', '',
         '## Notes §: the CS182 course notes, by chapter', '']
for ch in sorted({s.split('.')[0] for (k, s) in cites if k == 'N'}, key=int):
    lines += [f'### Chapter {ch}: {toc.get(ch, "?")}', '', f'In the workbook: {chapters.get(ch, "")}.', '',
              '| section | title in the notes | cited in |', '| --- | --- | --- |']
    for (k, s) in sorted((c for c in cites if c[0] == 'N' and c[1].split('.')[0] == ch), key=lambda c: key(c[1])):
        lines.append(f'| §{s} | {title(s)} | {cited_in(cites[(k, s)])} |')
    lines.append('')
for kind, heading, column in (('A', 'Notes A: the question-and-answer sheet', 'question'),
                              ('B', 'Notes B: the article on attention', 'part'), ('D', 'Slides D: the CSE 291 slides', 'part')):
    lines += [f'## {heading}', '', f'| {column} | what it is about (our summary) | cited in |', '| --- | --- | --- |']
    for (k, s) in sorted((c for c in cites if c[0] == kind), key=lambda c: (len(c[1]), c[1])):
        lines.append(f'| {s} | {descriptions.get((k, s), "the part of that name")} | {cited_in(cites[(k, s)])} |')
    lines.append('')
open('docs/notes-map.md', 'w', encoding='utf-8').write('\n'.join(lines).rstrip('\n') + '\n')
unresolved = sorted((s for (k, s) in cites if k == 'N' and title(s).startswith('(')), key=key)
print(f'{sum(1 for c in cites if c[0] == "N")} sections, {sum(1 for c in cites if c[0] != "N")} other citations; unresolved: {unresolved}')
