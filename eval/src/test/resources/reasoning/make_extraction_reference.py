# Reference for AnswerExtractionTest: each response run through Python's re exactly as lm-evaluation-harness's
# RegexFilter (findall, group_select, first non-empty group of a tuple, strip, "[invalid]" fallback) and its
# exact_match normalisation (regexes_to_ignore, then lower-case), with the patterns of gsm8k-cot.yaml and Mutual's
# StrategyQA patterns. Run: python3 make_extraction_reference.py > extraction_reference.jsonl
import json
import re

def regex_filter(pattern, response, group_select, flags=0):
    match = re.compile(pattern, flags).findall(response)
    if not match:
        return "[invalid]"
    match = match[group_select]
    if isinstance(match, tuple):
        match = [m for m in match if m]
        match = match[0] if match else "[invalid]"
    return match.strip()

def normalize(text):
    for p in [",", r"\$", r"(?s).*#### ", r"\.$"]:
        text = re.sub(p, "", text)
    return text.lower()

STRICT = r"The answer is (\-?[0-9\.\,]+)."
FLEXIBLE = r"(-?[$0-9.,]{2,})|(-?[0-9]+)"
YES_NO_STRICT = r"answer is:?\s*\**\s*(yes|no)\b"
YES_NO_FLEXIBLE = r"\b(yes|no)\b"

gsm8k = [
    ("So 1,000 + 200 = 1,200. The answer is 1,200.\n\nThe answer is 5.", "1200"),
    ("The answer is -3.\n", "-3"),
    ("The answer is $18.", "18"),
    ("the answer is 18.", "18"),
    ("The answer is 18", "18"),
    ("The answer is 18!", "18"),
    ("The answer is 3. Then 4 more", "3"),
    ("She has 3 apples and 5, pears, so 8 in total", "8"),
    ("The total is 1,234.5 dollars", "1234.5"),
    ("Answer: -7.", "-7"),
    ("I cannot tell.", "5"),
    ("He made a profit of $70,000.", "70000"),
    ("It costs 18.00 dollars. The answer is 18.00.", "18"),
    ("Janet makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18", "18"),
    ("The answer is 1,2,3.", "123"),
    ("5 - 7 = -2. The answer is -2.\n\nQ:", "-2"),
    ("$ 5. The answer is .5.", "0.5"),
]
strategyqa = [
    ("Frost happens in December. So the answer is Yes.", "yes"),
    ("The answer is: no", "no"),
    ("The answer is not obvious, but the answer is yes.", "yes"),
    ("Yes.", "yes"),
    ("No doubt about it: yes.", "yes"),
    ("Yes, pears float... wait, no.", "no"),
    ("Nobody knows; yesterday it was unclear.", "no"),
    ("So the answer is **No**.", "no"),
]
for response, target in gsm8k:
    s, f = regex_filter(STRICT, response, 0), regex_filter(FLEXIBLE, response, -1)
    print(json.dumps({"task": "gsm8k", "response": response, "target": target, "strict": s, "flexible": f,
                      "strict_match": float(normalize(s) == normalize(target)),
                      "flexible_match": float(normalize(f) == normalize(target))}))
for response, target in strategyqa:
    s = regex_filter(YES_NO_STRICT, response, 0, re.IGNORECASE)
    f = regex_filter(YES_NO_FLEXIBLE, response, -1, re.IGNORECASE)
    print(json.dumps({"task": "strategyqa", "response": response, "target": target, "strict": s, "flexible": f,
                      "strict_match": float(s.lower() == target), "flexible_match": float(f.lower() == target)}))
