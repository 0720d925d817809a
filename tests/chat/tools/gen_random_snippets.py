"""Random template snippets for differential testing against the reference renderer.

Usage: python3 gen_random_snippets.py SEED COUNT OUT.json
Expressions are built from typed atoms (the variables of tests/data/chat/snippets_random_context.json and literals)
with filters, methods and operators mostly suited to their types, inside {{ }}, for, if/elif, set and namespace
statements. Render them with render_snippets.mjs (passing the context file) and compare with sinan through the
conformance test: SINAN_SNIPPETS=OUT.expected.jsonl ./build/tests/chat/chat_tests --gtest_filter=JinjaConformance.*
"""
import json, random, sys
random.seed(int(sys.argv[1])); N = int(sys.argv[2])
A = {
 'str': ["s","u","ws","'lit'","''","\"q\\\"\"","messages[1].content","d.k","'a,b,,c'","'  x y  '","'ÄÖü straße'","'<think>\\nr\\n</think>\\n\\nans'", "'12'", "'3.5x'", "u[2:]", "s[::-1]", "'\\u00e9\\x41'"],
 'int': ["n","z","neg","1","0","-1","big","lst|length","s|length","10","7"],
 'float': ["f","2.0","0.5","-1.5","1.0","0.1"],
 'bool': ["t","true","false"],
 'none': ["no","none"],
 'list': ["lst","strs","nums","[1, 2]","[]","messages","['x', 'y', 'x']","d.nested.a","[1.0, 'a', none]","range(3)","tools"],
 'dict': ["d","{'a': 1, 'b': [2]}","{}","messages[0]","d.nested","tools[0]"],
 'undef': ["undefined_x","d.missing","messages[9]"],
}
F = {
 'str': ["trim","upper","lower","length","title","capitalize","tojson","string","int","float","replace('l', 'L')","replace('', '-')","indent(2)","indent","join","join('|')","default('D')","safe","tojson(ensure_ascii=true)","list","first"],
 'list': ["length","first","last","join","join(', ')","tojson","tojson(indent=2)","tojson(separators=(',', ':'))","string","reverse","sort","sort(reverse=true)","unique","list","map(attribute='role')","selectattr('role')","rejectattr('role', 'equalto', 'user')","selectattr('role', 'eq', 'system')","map(attribute='function.name', default='?')","sort(attribute='role')","default([])","length"],
 'dict': ["tojson","tojson(indent=1)","tojson(sort_keys=true)","items","length","dictsort","dictsort(reverse=true)","dictsort(by='value')","string","keys","values","default({})"],
 'int': ["abs","int","float","string","tojson","default(1)"],
 'float': ["abs","int","float","string","tojson","round"],
 'bool': ["int","float","string","tojson","bool"],
 'none': ["tojson","default('N')","default('N', true)","string"],
 'undef': ["default('U')","tojson","length","default('U', boolean=true)"],
}
M = {
 'str': ["strip()","lstrip()","rstrip()","strip('x')","upper()","lower()","split()","split(',')","split(',', 1)","split(none, 1)","startswith('H')","startswith(('a','H'))","endswith('d')","replace('o','0')","replace('o','0',1)","replace('o', '0', count=1)","title()","capitalize()","length","format(1)"],
 'dict': ["get('k')","get('zz', 9)","get('role')","keys()","values()","items()","content","role","k"],
 'list': ["length","0","1","append(1)"],
}
OUT = {"trim":"str","upper":"str","lower":"str","length":"int","title":"str","capitalize":"str","tojson":"str","string":"str","int":"int","float":"float","join":"str","first":"any","last":"any","reverse":"list","sort":"list","unique":"list","list":"list","items":"list","keys":"list","values":"list","dictsort":"list","abs":"int","map":"list","selectattr":"list","rejectattr":"list","replace":"str","indent":"str","split":"list","strip":"str","lstrip":"str","rstrip":"str","startswith":"bool","endswith":"bool","get":"any"}
def typed(depth=0):
  t = random.choice(list(A.keys()))
  e = random.choice(A[t])
  for _ in range(random.randint(0, 2)):
    r = random.random()
    if t in F and r < 0.5:
      f = random.choice(F[t]); e = f"({e} | {f})"; t = OUT.get(f.split('(')[0], 'any')
    elif t in M and r < 0.8:
      m = random.choice(M[t]); e = f"{e}.{m}" if not m[0].isdigit() else f"{e}[{m}]"; t = OUT.get(m.split('(')[0], 'any')
    if t == 'any': t = random.choice(['str','int','none','dict'])
  return e, t
def expr(depth=0):
  r = random.random()
  if depth > 1 or r < 0.45: return typed()[0]
  if r < 0.75:
    op = random.choice(["+","~","==","!=","in","not in","and","or","<",">=","*","-","/","//","%","**"])
    return f"({expr(depth+1)} {op} {expr(depth+1)})"
  if r < 0.85: return f"({expr(depth+1)} is {random.choice(['not ',''])}{random.choice(['defined','none','string','number','mapping','sequence','iterable','integer','boolean','odd','even','lower','upper','true','false'])})"
  if r < 0.95: return f"({expr(depth+1)} if {expr(depth+1)} else {expr(depth+1)})"
  return f"(not {expr(depth+1)})"
def stmt():
  r = random.random()
  if r < 0.6: return "{{ " + expr() + " }}"
  if r < 0.75: return "{% for x in " + expr() + " %}[{{ x }}{{ loop.index }}{{ loop.last }}]{% else %}E{% endfor %}"
  if r < 0.85: return "{%- if " + expr() + " -%}\n Y {% elif " + expr() + " %} Z {%- else -%} N\n{%- endif %}"
  if r < 0.95: return "{% set v = " + expr() + " %}{{ v }}"
  return "{% set ns = namespace(a=" + expr() + ") %}{% set ns.a = ns.a ~ 'x' %}{{ ns.a }}"
out = [{"template": "\n".join(stmt() for _ in range(random.randint(1, 3)))} for i in range(N)]
json.dump(out, open(sys.argv[3], "w"), ensure_ascii=False)
