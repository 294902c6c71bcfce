"""Writes jinja2-lexer-cases.json: random templates and how jinja2's lexer reads them, the reference that
JinjaLexerAgreementTests compares NativeInfer's JinjaLexer with.

The environment is the one Hugging Face transformers renders chat templates in (trim_blocks and lstrip_blocks on,
keep_trailing_newline off). Per template the file holds either "error" (jinja2 cannot lex it) or its segments:
["Text", output text] for text between tags (comments removed, the whitespace rules applied) and
["Expression" | "Statement", [[kind, value], ...]] for a tag, kind being Word (name or number, as spelled),
Operator or String (the decoded value). Templates that JinjaLexer refuses on purpose although jinja2 reads them
({% raw %}, non-ASCII names, \\N{...} escapes) are not generated.

    python3 make_jinja2_lexer_cases.py > jinja2-lexer-cases.json     (jinja2 3.1.6 made the committed file)
"""
import json
import random
import warnings

import jinja2
from jinja2 import TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

ENV = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
LEXER = ENV.lexer


def segments(source):
    try:
        list(LEXER.tokenize(source))  # lexing errors, and the decoding errors jinja2 reports while wrapping tokens
    except TemplateSyntaxError:
        return None
    out, tag = [], None
    for _, token, value in LEXER.tokeniter(source, None):
        if token in ("whitespace", "comment_begin", "comment", "comment_end"):
            continue
        if token == "data":
            value = LEXER._normalize_newlines(value)
            if out and out[-1][0] == "Text":
                out[-1][1] += value  # text on both sides of a comment is one piece of output
            else:
                out.append(["Text", value])
        elif token in ("variable_begin", "block_begin"):
            tag = ["Expression" if token == "variable_begin" else "Statement", []]
        elif token in ("variable_end", "block_end"):
            out.append(tag)
            tag = None
        elif token == "string":
            decoded = LEXER._normalize_newlines(value[1:-1]).encode("ascii", "backslashreplace").decode("unicode-escape")
            tag[1].append(["String", decoded])
        elif token == "operator":
            tag[1].append(["Operator", value])
        else:  # name, integer, float
            tag[1].append(["Word", value])
    if tag is not None:
        return None  # jinja2's parser reports the unclosed tag
    return out


TEXT = ["a", "b", " ", "  ", "\t", "\n", "\n", "\r\n", "\r", "x y", "\u00a0", "\x0c", "\x1c", "{", "}", "%", "#", "-", "+", "é"]
EXPRESSIONS = ["x", "'a'", "\"b\\n\"", "x + 'c'", "'\\u00e9'", "1", "x.y", "x['k']", "{'a': 1}['a']", "'q' ~ x", "a // 2 ** 3", "7x", "1.5e3"]
STATEMENTS = ["if x", "endif", "set y = 1", "for i in x", "endfor", "else", "set z = {'a': (1)}", "if a == b and c != d"]
COMMENTS = ["", " c ", "comment\n", "-", "{{ x }}"]


def layout_template(r):
    """Text and well-formed tags with every combination of signs and surrounding whitespace."""
    out = []
    for _ in range(r.randint(0, 8)):
        if r.random() < 0.5:
            out.append("".join(r.choice(TEXT) for _ in range(r.randint(0, 5))))
            continue
        kind = r.choice(["{{", "{%", "{#"])
        begin, end = r.choice(["", "", "-", "+"]), r.choice(["", "", "-", "+"])
        space = lambda: r.choice(["", " ", "  ", "\n", "\t"])
        if kind == "{{":
            out.append("{{" + begin + space() + r.choice(EXPRESSIONS) + space() + (end if end != "+" else "") + "}}")
        elif kind == "{%":
            out.append("{%" + begin + space() + r.choice(STATEMENTS) + space() + end + "%}")
        else:
            out.append("{#" + begin + r.choice(COMMENTS) + end + "#}")
    return "".join(out)


CHARACTERS = ["{", "{", "}", "}", "%", "#", "-", "+", " ", "\n", "\r", "\t", "'", '"', "\\", "x", "1", "(", ")", "[", "]",
              "a", "=", "!", ".", "u", "0", "7", "\U0001F600", "\x0b", "~", "*", "/"]


def character_template(r):
    """Random characters, mostly malformed: where jinja2 fails, the lexer must fail too."""
    if r.random() < 0.5:
        return "".join(r.choice(CHARACTERS) for _ in range(r.randint(0, 30)))
    out = []
    for _ in range(r.randint(1, 5)):
        kind = r.choice(["{{", "{%", "{#"])
        inside = "".join(r.choice(CHARACTERS[6:]) for _ in range(r.randint(0, 12)))
        before = "".join(r.choice([" ", "\n", "\t", "a", "\r\n"]) for _ in range(r.randint(0, 4)))
        out.append(before + kind + r.choice(["", "-", "+"]) + inside + r.choice(["", "-", "+"]) + {"{{": "}}", "{%": "%}", "{#": "#}"}[kind])
    return "".join(out)


ESCAPES = ["\\n", "\\t", "\\\\", "\\'", '\\"', "\\x41", "\\x4", "\\xg1", "\\u00e9", "\\u12", "\\U0001F600", "\\U00110000", "\\101",
           "\\7", "\\777", "\\8", "\\q", "\\é", "\\\U0001F600", "\\\n", "\\\r\n", "\\a", "\\b", "\\f", "\\v", "a", "é", "\U0001F600",
           " ", "\n", "\r\n", "\r", "'", '"', "{{", "}}", "%}", "{%"]


def literal_template(r):
    """String literals with every kind of escape."""
    quote = r.choice(["'", '"'])
    return "{{ " + quote + "".join(r.choice(ESCAPES) for _ in range(r.randint(0, 6))) + quote + " }}x"


def main():
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # Python's notice about unknown escapes such as '\q'
    r = random.Random(20250601)
    templates = [layout_template(r) for _ in range(600)] + [character_template(r) for _ in range(600)] + [literal_template(r) for _ in range(300)]
    cases = []
    for t in templates:
        s = segments(t)
        cases.append({"template": t, "error": True} if s is None else {"template": t, "segments": s})
    # One case per line, so that a regenerated file diffs case by case.
    lines = ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
    print('{"jinja2": ' + json.dumps(jinja2.__version__) + ', "cases": [\n' + lines + "\n]}")


if __name__ == "__main__":
    main()
