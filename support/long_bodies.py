"""Bodies of the longest kind, each built to tempt a parser into super-linear work: checked
inert by tests/test_formatting.py, and timed by bench/formatting.py."""

LONG_BODIES = {
    "plain": "word " * 400,
    "markdown": ("**bold** _it_ `code` [l](http://x.com) @bob www.x.com a@b.co\n> q\n- i\n" * 30)[
        :2000
    ],
    "brackets": "[" * 2000,
    "link-openers": "[a](" * 500,
    "stars": "*a" * 1000,
    "emphasis-mix": "**_" * 666,
    "backticks": "`a``" * 500,
    "angles": "<a" * 1000,
    "ats": "@" * 2000,
    "mentions": "@bob " * 400,
    "emails": "a@b.co " * 285,
    "urls": "http://a.co/ " * 150,
    "long-url": "http://" + "a." * 996 + "co",
    "entities": "&#106;" * 333,
    "escapes": "\\*" * 1000,
    "newlines": "a\n" * 1000,
    "nested-links": "[" * 500 + "a" + "](http://x)" * 100,
    "fences": "```\n" * 500,
    "combining": "Z" + "\u0301" * 10_000,
}
