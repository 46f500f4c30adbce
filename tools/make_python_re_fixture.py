# What Python's re does on the edge cases of the evaluators that port Python regexes, for PythonRegexTest,
# ReasoningRegexParityTest and IfevalRegexParityTest (eval). Each line is one JSON object with a "kind":
#   extraction  a response run through lm-evaluation-harness's RegexFilter (findall, group_select, first non-empty
#               group, strip, "[invalid]") with the gsm8k-cot patterns or Mutual's StrategyQA patterns, and the
#               exact_match of each answer against the target (regexes_to_ignore, then lower-case)
#   normalize   GSM8K's regexes_to_ignore then lower(), and lower() alone, on one text
#   class       every code point a one-character pattern matches (as [first, last] ranges), over all of Unicode
#   strip       the code points str.strip() removes
#   pattern     one of IFEval's regexes (instructions.py) on one text: the matched strings (findall over finditer),
#               the parts (split) or whether it is found (search), with the flags the reference passes
#   ifeval      an IFEval instruction's verdict on one response, as the reference's check_following computes it
# Python's Unicode version is recorded ("unicode") so that a Java on another version can skip code points it does
# not know. Run: python3 tools/make_python_re_fixture.py > eval/src/test/resources/python_re_edge_cases.jsonl
import json
import re
import sys
import unicodedata

STRICT = r"The answer is (\-?[0-9\.\,]+)."
FLEXIBLE = r"(-?[$0-9.,]{2,})|(-?[0-9]+)"
YES_NO_STRICT = r"answer is:?\s*\**\s*(yes|no)\b"
YES_NO_FLEXIBLE = r"\b(yes|no)\b"
IGNORE = [",", r"\$", r"(?s).*#### ", r"\.$"]


def regex_filter(pattern, response, group_select, flags=0):
    match = re.compile(pattern, flags).findall(response)
    if not match:
        return "[invalid]"
    match = match[group_select]
    if isinstance(match, tuple):
        match = [m for m in match if m]
        match = match[0] if match else "[invalid]"
    return match.strip()


def normalize_numbers(text):
    for p in IGNORE:
        text = re.sub(p, "", text)
    return text.lower()


def ranges(codepoints):
    out = []
    for c in codepoints:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def emit(obj):
    print(json.dumps(obj, ensure_ascii=True))


GSM8K = [
    ("The answer is 140\r\n", "140"),               # "." takes the "\r" (Java's refused it: "14")
    ("The answer is 5\r", "5"),                     # Java's found nothing
    ("The answer is 7\u0085", "7"),                 # NEL
    ("The answer is 7\u2028and more", "7"),         # LINE SEPARATOR
    ("The answer is 7\u2029", "7"),                 # PARAGRAPH SEPARATOR
    ("The answer is 12\n", "12"),                   # "." refuses "\n" in both: the pattern backs off to "1"
    ("The answer is 12\r\n\r\nQ: next", "12"),
    ("Half is 3.5\r\nThe answer is 3.5\r", "3.5"),
    ("The answer is 1,200.\r\n", "1200"),
    ("The answer is \u00a018.", "18"),              # NBSP after "is": not the literal space of the pattern
    ("Total: 42\u00a0dollars", "42"),
    ("It is 1\u2007000.", "1000"),                  # FIGURE SPACE splits the number
    ("\u0663\u0664 and 34", "34"),                  # Arabic-Indic digits are not [0-9]
]
NORMALIZE = [
    "$1,200.", "5.\n", "5.\r", "5.\r\n", "5.\u2028", "5.\n\n", "#### 18.\r", "Janet sells 9 eggs.\r\n#### 18",
    "A\u2028#### 7", "\u0130STANBUL", "\u039f\u0394\u039f\u03a3", "Stra\u00dfe", "\u01c5", "YES\u00a0",
]
STRATEGYQA = [
    ("So the answer is\u00a0yes.", "yes"),            # NBSP
    ("So the answer is\u3000no.", "no"),              # IDEOGRAPHIC SPACE
    ("So the answer is\u2003yes.", "yes"),            # EM SPACE
    ("So the answer is:\u2009**yes**.", "yes"),       # THIN SPACE
    ("So the answer is\x1cyes.", "yes"),              # FILE SEPARATOR: whitespace to Python, not to Unicode
    ("So the answer is\u180eyes.", "yes"),            # MONGOLIAN VOWEL SEPARATOR: not whitespace since Unicode 6.3
    ("So the answer is\u0085no.", "no"),              # NEL
    ("So the answer is\r\nyes.", "yes"),
    ("So the answer is yes\u0301.", "yes"),           # combining acute after the word: a boundary to Python
    ("So the answer is no\u0308", "no"),              # combining diaeresis at the end of the text
    ("So the answer is yes\u00e9.", "yes"),           # precomposed letter: no boundary in either
    ("So the answer is yes_no.", "yes"),
    ("So the answer is yes\u0663.", "yes"),           # Arabic-Indic digit: a word character
    ("So the answer is yes\u2160.", "yes"),           # ROMAN NUMERAL ONE (Nl): a word character
    ("So the answer is yes\u203f.", "yes"),           # UNDERTIE (Pc): not a word character to Python
    ("\u00e9no yes", "yes"),
    ("So the ANSWER IS YES.", "yes"),
    ("So the answer is ye\u017f.", "yes"),            # LONG S matches "s" when ignoring case
    ("So the answer \u0130s no.", "no"),              # DOTTED CAPITAL I matches "i" when ignoring case
    ("So the answer \u0131s no.", "no"),              # DOTLESS SMALL I matches "i" when ignoring case
    ("So the answer is \uff59es.", "yes"),            # FULLWIDTH y is another letter
    ("Maybe\u00a0no\u00a0", "no"),
]

unicode_version = unicodedata.unidata_version
for response, target in GSM8K:
    s, f = regex_filter(STRICT, response, 0), regex_filter(FLEXIBLE, response, -1)
    emit({"kind": "extraction", "task": "gsm8k", "response": response, "target": target, "strict": s, "flexible": f,
          "strict_match": float(normalize_numbers(s) == normalize_numbers(target)),
          "flexible_match": float(normalize_numbers(f) == normalize_numbers(target))})
for response, target in STRATEGYQA:
    s = regex_filter(YES_NO_STRICT, response, 0, re.IGNORECASE)
    f = regex_filter(YES_NO_FLEXIBLE, response, -1, re.IGNORECASE)
    emit({"kind": "extraction", "task": "strategyqa", "response": response, "target": target, "strict": s, "flexible": f,
          "strict_match": float(s.lower() == target.lower()), "flexible_match": float(f.lower() == target.lower())})
for text in NORMALIZE:
    emit({"kind": "normalize", "text": text, "numbers": normalize_numbers(text), "lower": text.lower()})
every = [chr(c) for c in range(sys.maxunicode + 1)]
for pattern, flags in [(r"\s", 0), (r"\S", 0), (r"\w", 0), (r"\W", 0), (r"\d", 0), (r".", 0), (r"[\s\d]", 0),
                       (r"[^\W\d]", 0),  # Punkt's initial: a class negating a negated one
                       ("s", re.IGNORECASE), ("i", re.IGNORECASE), ("k", re.IGNORECASE), ("y", re.IGNORECASE)]:
    compiled = re.compile(pattern, flags)
    emit({"kind": "class", "pattern": pattern, "ignore_case": bool(flags & re.IGNORECASE), "unicode": unicode_version,
          "ranges": ranges([ord(c) for c in every if compiled.fullmatch(c)])})
emit({"kind": "strip", "unicode": unicode_version,
      "ranges": ranges([ord(c) for c in every if c.strip() == "" and c != ""])})

# ---- IFEval (google-research instruction_following_eval/instructions.py) ------------------------------------------
# Texts that put each regex on the places where java.util.regex and Python's re differ: "\r", U+0085, U+2028/2029
# for "." and "$"; NBSP, U+3000, U+2009 and U+001C for "\s"; Arabic-Indic digits for "\d"; combining marks and
# U+203F (Pc) next to words for "\b" and "\w"; dotted and dotless I and long s when ignoring case.
EDGE = [
    "plain text", "a\r\nb", "x\u0085y", "x\u2028y", "x\u2029y", "x\u00a0y", "x\u3000y", "x\u2009y", "x\x1cy",
    "cafe\u0301 au lait", "x\u203fy", "\u0663\u0664 and 34", "\u2160\u2161 roman", "na\u00efve_word", "",
]
PATTERNS = [  # (pattern, flags, op, texts beyond EDGE)
    (r"\w+", re.MULTILINE | re.DOTALL, "findall", ["yes\u0301no", "a\u0308b c", "\u00e9t\u00e9 2024"]),  # nltk RegexpTokenizer
    (r"\s?\*\*\*\s?", 0, "split", ["a\u00a0***\u00a0b", "a\x1c***\x1cb", "a\r\n***\r\nb", "***a***", "a\u3000***b"]),
    (r"\[.*?\]", 0, "findall", ["[a\rb] [c]", "[a\u2028b]", "[a\nb]", "[x\u0085y][z]", "[a\u2029b]"]),
    (r"\s*p\.\s?s\..*$", re.MULTILINE, "findall", ["text\r\np.s. hi\r\n", "p.s.\u00a0note", "p.\u2009s. x",
                                                    "x\u2028p.s. y\u2028z", "a\np.s. b\nc", "p.s. x\u0085y"]),
    (r"\s*p\.\s?p\.\s?s.*$", re.MULTILINE, "findall", ["p.\u00a0p.\u3000s end", "p.p.s\rmore\nnext"]),
    (r"^\s*\*[^\*].*$", re.MULTILINE, "findall", ["* a\r\n* b\r\n", "x\u2028* a", "\u00a0* a\n  * b",
                                                   "* a\u0085* b", "\x1c* c", "*\r"]),
    (r"^\s*-.*$", re.MULTILINE, "findall", ["- a\u0085- b", "\x1c- a", "- a\r\n- b", "x\u2029- y", "\u3000- z"]),
    (r"\*[^\n\*]*\*", 0, "findall", ["*a\rb*", "*a\u2028b*", "*a\nb*", "**x** *y*"]),
    (r"\*\*[^\n\*]*\*\*", 0, "findall", ["**a\rb**", "**a\u0085b**", "**a\nb**"]),
    (r"\s?SECTION\s?\d+\s?", 0, "split", ["SECTION\u00a01 a SECTION\u30002 b", "SECTION \u0661 x SECTION 2 y",
                                            "SECTION\x1c2 z", "SECTION\u20091\r\nbody"]),
    (r"<<[^\n]+>>", 0, "findall", ["<<a\rb>>", "<<a\u2028b>>", "<<a\nb>>", "<<\u00a0>>"]),
    (r"\bcan\b", re.IGNORECASE, "search", ["can\u0301", "CAN_", "c\u0101n", "can\u0663", "x can\u00a0", "scan"]),
    (r"\bis\b", re.IGNORECASE, "search", ["\u0130S", "\u0131s", "i\u017f", "IS\u203f"]),
    (r"answer", re.IGNORECASE, "findall", ["ANSWER answer \u0101nswer", "an\u017fwer"]),
]


def flags_text(flags):
    return "".join(c for c, f in (("I", re.IGNORECASE), ("M", re.MULTILINE), ("S", re.DOTALL)) if flags & f)


for pattern, flags, op, texts in PATTERNS:
    compiled = re.compile(pattern, flags)
    for text in EDGE + texts:
        if op == "findall":
            result = [m.group(0) for m in compiled.finditer(text)]
        elif op == "split":
            result = compiled.split(text)
        else:
            result = compiled.search(text) is not None
        emit({"kind": "pattern", "pattern": pattern, "flags": flags_text(flags), "op": op, "text": text,
              "result": result})


# The reference's check_following for the instructions that use a regex, on a str value (kwargs as in input_data).
def ifeval_followed(iid, kw, value):
    if iid == "keywords:existence":
        return all(re.search(k, value, flags=re.IGNORECASE) for k in kw["keywords"])
    if iid == "keywords:frequency":
        n = len(re.findall(kw["keyword"].strip(), value, flags=re.IGNORECASE))
        return n < kw["frequency"] if kw["relation"] == "less than" else n >= kw["frequency"]
    if iid == "keywords:forbidden_words":
        return not any(re.search(r"\b" + w + r"\b", value, flags=re.IGNORECASE) for w in kw["forbidden_words"])
    if iid == "length_constraints:number_words":
        n = len(re.findall(r"\w+", value, re.UNICODE | re.MULTILINE | re.DOTALL))
        return n < kw["num_words"] if kw["relation"] == "less than" else n >= kw["num_words"]
    if iid == "length_constraints:number_paragraphs":
        paragraphs = re.split(r"\s?\*\*\*\s?", value)
        count = len(paragraphs)
        for i, p in enumerate(paragraphs):
            if not p.strip():
                if i == 0 or i == len(paragraphs) - 1:
                    count -= 1
                else:
                    return False
        return count == kw["num_paragraphs"]
    if iid == "detectable_content:number_placeholders":
        return len(re.findall(r"\[.*?\]", value)) >= kw["num_placeholders"]
    if iid == "detectable_content:postscript":
        marker = kw["postscript_marker"].strip()
        value = value.lower()
        if marker == "P.P.S":
            pattern = r"\s*p\.\s?p\.\s?s.*$"
        elif marker == "P.S.":
            pattern = r"\s*p\.\s?s\..*$"
        else:
            pattern = r"\s*" + marker.lower() + r".*$"
        return bool(re.findall(pattern, value, flags=re.MULTILINE))
    if iid == "detectable_format:number_bullet_lists":
        n = len(re.findall(r"^\s*\*[^\*].*$", value, flags=re.MULTILINE))
        n += len(re.findall(r"^\s*-.*$", value, flags=re.MULTILINE))
        return n == kw["num_bullets"]
    if iid == "detectable_format:number_highlighted_sections":
        n = sum(1 for h in re.findall(r"\*[^\n\*]*\*", value) if h.strip("*").strip())
        n += sum(1 for h in re.findall(r"\*\*[^\n\*]*\*\*", value) if h.removeprefix("**").removesuffix("**").strip())
        return n >= kw["num_highlights"]
    if iid == "detectable_format:multiple_sections":
        sections = re.split(r"\s?" + kw["section_spliter"].strip() + r"\s?\d+\s?", value)
        return len(sections) - 1 >= kw["num_sections"]
    if iid == "detectable_format:title":
        return any(t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", value))
    raise ValueError(iid)


IFEVAL = [
    ("keywords:existence", {"keywords": ["can", "\\bis\\b"]}, ["I can\u0301 say it is so", "CAN it IS",
                                                             "\u0130S it can", "scan this", "can\u00a0is"]),
    ("keywords:frequency", {"keyword": "answer", "frequency": 2, "relation": "at least"},
     ["ANSWER and \u0101nswer", "an\u017fwer answer", "answer\u2028answer"]),
    ("keywords:forbidden_words", {"forbidden_words": ["can", "yes"]},
     ["yes\u0301 indeed", "I can\u0663", "CAN_ do", "yes\u203f", "c\u0101n", "say YES\u00a0now", "nothing here"]),
    ("length_constraints:number_words", {"num_words": 4, "relation": "less than"},
     ["cafe\u0301 au lait", "x\u203fy z", "\u0663\u0664 \u2160 a", "a\u0308b c d", "one two three four"]),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2},
     ["a\u00a0***\u00a0b", "a\x1c***\x1cb", "a\r\n***\r\nb", "a *** \u3000 *** b", "***a***b***"]),
    ("detectable_content:number_placeholders", {"num_placeholders": 2},
     ["[a\rb] [c]", "[a\u2028b] [c]", "[a\nb] [c]", "[x\u0085y][z]"]),
    ("detectable_content:postscript", {"postscript_marker": "P.S."},
     ["text\r\nP.S. hi", "P.S.\u00a0note", "P.\u2009S. x", "body\u2028P.S. y", "no marker"]),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, ["P.\u00a0P.\u3000S end", "P.P.S\rmore"]),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2},
     ["* a\r\n* b\r\n", "x\u2028* a\n* b", "\u00a0* a\n  * b", "* a\u0085* b", "\x1c- a\n- b", "- a\u2029- b"]),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2},
     ["*a\rb* *c*", "*a\u2028b* *c*", "*a\nb* *c*", "**a\u0085b** *c*", "*\u00a0* *c*"]),
    ("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2},
     ["SECTION\u00a01 a SECTION\u30002 b", "SECTION \u0661 x SECTION 2 y", "SECTION\x1c1 z SECTION\x1c2 w",
      "SECTION\u20091\r\nbody SECTION 2"]),
    ("detectable_format:title", {}, ["<<a\rb>>", "<<a\u2028b>>", "<<a\nb>>", "<<\u00a0>>", "<<\u3000x>>"]),
]
for iid, kw, responses in IFEVAL:
    for response in responses:
        emit({"kind": "ifeval", "id": iid, "kwargs": kw, "response": response,
              "followed": bool(ifeval_followed(iid, kw, response))})
