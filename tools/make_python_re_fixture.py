# What Python's re does on the reasoning evaluators' edge cases, for PythonRegexTest (eval). Each line is one JSON
# object with a "kind":
#   extraction  a response run through lm-evaluation-harness's RegexFilter (findall, group_select, first non-empty
#               group, strip, "[invalid]") with the gsm8k-cot patterns or Mutual's StrategyQA patterns, and the
#               exact_match of each answer against the target (regexes_to_ignore, then lower-case)
#   normalize   GSM8K's regexes_to_ignore then lower(), and lower() alone, on one text
#   class       every code point a one-character pattern matches (as [first, last] ranges), over all of Unicode
#   strip       the code points str.strip() removes
# Python's Unicode version is recorded ("unicode") so that a Java on another version can skip code points it does
# not know. Run: python3 tools/make_python_re_fixture.py > eval/src/test/resources/reasoning/python_re_edge_cases.jsonl
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
                       ("s", re.IGNORECASE), ("i", re.IGNORECASE), ("k", re.IGNORECASE), ("y", re.IGNORECASE)]:
    compiled = re.compile(pattern, flags)
    emit({"kind": "class", "pattern": pattern, "ignore_case": bool(flags & re.IGNORECASE), "unicode": unicode_version,
          "ranges": ranges([ord(c) for c in every if compiled.fullmatch(c)])})
emit({"kind": "strip", "unicode": unicode_version,
      "ranges": ranges([ord(c) for c in every if c.strip() == "" and c != ""])})
