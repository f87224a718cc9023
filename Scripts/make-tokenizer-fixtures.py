#!/usr/bin/env python3
"""Builds the GPT-2 tokenizer reference fixtures and the pre-tokenizer's Unicode class table.

Run from anywhere (no network needed):

    /tmp/refvenv/bin/python Scripts/make-tokenizer-fixtures.py [--encoder-py PATH]

Inputs: the bundled Sources/GPT2Tokenizer/Resources/encoder.json and vocab.bpe.
Outputs:
  Tests/Fixtures/tokenizer/cases.json          strings with their ids, pre-token pieces, decodes
  Sources/GPT2Tokenizer/ScalarClassTable.swift  \\p{L} / \\p{N} / \\s of Python `regex`, as ranges

The reference is OpenAI's GPT-2 encoder.py algorithm (Python `regex` pre-tokenizer, greedy
lowest-rank-pair BPE that merges every occurrence of the pair per pass), re-implemented here in
`ReferenceEncoder`. Every ordinary case is checked against tiktoken (an Encoding built from the
local files with the GPT-2 pattern) and Hugging Face `tokenizers` (BPE.from_file + ByteLevel);
special-token cases against tiktoken's allowed_special="all" and transformers' GPT2Tokenizer.
The script stops if any of them disagree, except on code points that are new in the `regex`
module's Unicode data (the "regex-only" cases), where only `regex` is authoritative.
With --encoder-py pointing at a copy of OpenAI's encoder.py, it is run on every case too.
"""

import argparse
import hashlib
import importlib.util
import json
import random
import sys
import unicodedata
from pathlib import Path

import regex
import tiktoken
import tokenizers
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "Sources" / "GPT2Tokenizer" / "Resources"
VOCAB_PATH = RESOURCES / "encoder.json"
MERGES_PATH = RESOURCES / "vocab.bpe"
CASES_PATH = ROOT / "Tests" / "Fixtures" / "tokenizer" / "cases.json"
TABLE_PATH = ROOT / "Sources" / "GPT2Tokenizer" / "ScalarClassTable.swift"
COMMAND = "/tmp/refvenv/bin/python Scripts/make-tokenizer-fixtures.py"

PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
END_OF_TEXT = "<|endoftext|>"

# Scalar classes as the Swift table numbers them.
LETTER, NUMBER, WHITESPACE, OTHER = 0, 1, 2, 3


def byte_alphabet():
    """GPT-2's reversible map from a byte to a printable character."""
    printable = set(range(0x21, 0x7F)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
    table, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            table[byte] = chr(byte)
        else:
            table[byte] = chr(256 + extra)
            extra += 1
    return table


class ReferenceEncoder:
    """encoder.py's algorithm, written for this script."""

    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.tokens = {i: t for t, i in vocab.items()}
        self.ranks = {}
        for rank, pair in enumerate(merges):
            self.ranks[pair] = rank
        self.char_of_byte = byte_alphabet()
        self.byte_of_char = {c: b for b, c in self.char_of_byte.items()}
        self.pattern = regex.compile(PATTERN)

    def pieces(self, text):
        return self.pattern.findall(text)

    def merge(self, symbols):
        while len(symbols) > 1:
            best = None
            for pair in zip(symbols, symbols[1:]):
                rank = self.ranks.get(pair)
                if rank is not None and (best is None or rank < best[0]):
                    best = (rank, pair)
            if best is None:
                break
            first, second = best[1]
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == first and symbols[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        return symbols

    def encode_ordinary(self, text):
        ids = []
        for piece in self.pieces(text):
            symbols = [self.char_of_byte[b] for b in piece.encode("utf-8")]
            ids.extend(self.vocab[s] for s in self.merge(symbols))
        return ids

    def encode_special(self, text, specials):
        splitter = regex.compile("|".join(regex.escape(s) for s in sorted(specials, key=len, reverse=True)))
        ids, start = [], 0
        for match in splitter.finditer(text):
            ids.extend(self.encode_ordinary(text[start:match.start()]))
            ids.append(self.vocab[match.group()])
            start = match.end()
        ids.extend(self.encode_ordinary(text[start:]))
        return ids

    def decode(self, ids):
        data = bytes(self.byte_of_char[c] for i in ids for c in self.tokens[i])
        return data.decode("utf-8", errors="replace")


def regex_classes():
    """The class of every code point under Python `regex` (surrogates count as OTHER)."""
    letter, number, space = regex.compile(r"\p{L}"), regex.compile(r"\p{N}"), regex.compile(r"\s")
    classes = bytearray(0x110000)
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            classes[cp] = OTHER
            continue
        c = chr(cp)
        if space.match(c):
            classes[cp] = WHITESPACE
        elif letter.match(c):
            classes[cp] = LETTER
        elif number.match(c):
            classes[cp] = NUMBER
        else:
            classes[cp] = OTHER
    return classes


def class_ranges(classes):
    ranges, start = [], 0
    for cp in range(1, 0x110001):
        if cp == 0x110000 or classes[cp] != classes[start]:
            ranges.append((start, cp - 1, classes[start]))
            start = cp
    return ranges


def write_swift_table(ranges):
    entries = [f"{start:06X}{cls}" for start, _, cls in ranges]
    lines = [" ".join(entries[i:i + 11]) for i in range(0, len(entries), 11)]
    body = "\n".join("        " + line for line in lines)
    text = f'''// Generated by `{COMMAND}`; do not edit.
// Python `regex` {regex.__version__}: which code points match \\p{{L}}, \\p{{N}} and \\s.

extension ScalarClassTable {{
    /// {len(ranges)} ranges, each written `SSSSSSC`: the first code point of the range in hex
    /// (6 digits) and its class (0 letter, 1 number, 2 whitespace, 3 other). A range runs to the
    /// next one's start; the last runs to U+10FFFF.
    static let encodedRanges: String = """
{body}
        """
}}
'''
    TABLE_PATH.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The corpus


def handwritten_cases():
    cases = []

    def add(group, *texts):
        for t in texts:
            cases.append((group, t))

    add("english",
        "Hello world", "Hello, world!", " Hello world", "hello  world", "The quick brown fox jumps over the lazy dog.",
        "GPT-2 is a large transformer-based language model with 1.5 billion parameters.",
        "It was the best of times, it was the worst of times.", "Mr. O'Neil's dog isn't here; he'd've known.",
        "I can't believe it's not butter!", "A\nB\nC", "first line\nsecond line\n\nfourth line\n",
        "  leading spaces", "trailing spaces   ", "tabs\tbetween\twords", "mixed \t spaces \t\t and tabs",
        "CamelCaseIdentifierName", "snake_case_identifier_name", "kebab-case-identifier-name", "ALL CAPS SENTENCE HERE",
        "e.g. i.e. etc. vs. U.S.A.", "email@example.com", "https://example.com/path?q=1&b=two#frag",
        "/usr/local/bin/swift build -c release", "C:\\Windows\\System32\\drivers", "<p class=\"x\">Hi</p>",
        "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}}", "def f(x):\n    return x ** 2\n",
        "for (int i = 0; i < n; ++i) { sum += a[i]; }", "let x: [Int] = [1, 2, 3].map { $0 * 2 }",
        "# Title\n\n* item one\n* item two\n\n> quote", "| a | b |\n|---|---|\n| 1 | 2 |",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.",
        "", " ", "a", "A", "!", "0", "\n", "  ", "\n\n", "x ", " x", " x ", "x\n", "\nx")

    for c in ["s", "t", "re", "ve", "m", "ll", "d"]:
        for variant in {c, c.upper(), c.capitalize(), c[::-1]}:
            add("contractions", f"it'{variant}", f"IT'{variant} here", f"'{variant}", f" '{variant}", f"x'{variant}x",
                f"word ’{variant}", f"''{variant}", f"'{variant}'{variant}")
    add("contractions",
        "don't DON'T Don't", "I'M YOU'RE WE'VE THEY'LL SHE'D HE'S IT'S", "rock 'n' roll", "'tis the season",
        "the '90s", "O'Reilly's", "'", "''", "'''", "' '", "'s's's", "can’t won’t it’s", "‘quoted’", "'sup 'mon",
        "he said 'hello'", "'re'", "x'", "'123", "' s", "'\ns", "'ll've'd", "'LL", "'S", "l'homme", "aujourd'hui")

    add("digits",
        "123", "1234567890", "12345678901234567890123456789012345678901234567890", "3.14159265358979",
        "1,000,000", "1 000 000", "2024-11-23", "12:34:56", "+1 (555) 123-4567", "0x1F600", "1e-10", "-42",
        "٣٤٥ ١٢", "१२३४", "１２３４５", "½ ¼ ¾", "Ⅻ ⅻ Ⅳ", "x² + y³ = z⁴", "①②③", "𝟘𝟙𝟚", "abc123def456",
        "$19.99", "€5", "100%", "version 1.2.3-beta.4")

    add("scripts",
        "日本語のテキストです。", "東京は日本の首都です", "中文文本测试，包括标点符号。", "繁體中文測試",
        "한국어 텍스트입니다", "ㅎㅏㄴ 한글 자모", "العربية نص تجريبي", "مَرْحَبًا بِكُمْ", "עברית טקסט", "שָׁלוֹם עֲלֵיכֶם",
        "हिन्दी पाठ नमस्ते", "বাংলা লেখা", "தமிழ் உரை", "తెలుగు", "ภาษาไทย ทดสอบ", "ພາສາລາວ", "ខ្មែរ",
        "Русский текст, Ёё", "Українська мова: ґ є ї", "Ελληνικά κείμενο ΆΈΉ ΐ", "Հայերեն", "ქართული",
        "አማርኛ", "ᏣᎳᎩ", "ᠮᠣᠩᠭᠣᠯ", "བོད་ཡིག", "ᚠᚢᚦᚨᚱᚲ", "Tiếng Việt có dấu", "Tie\u0302\u0301ng Vie\u0323\u0302t",
        "e\u0301 e\u0300 a\u0308 n\u0303", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319", "Ǆ ǅ ǆ ᾈ",
        "𝐀𝐁𝐂 𝒳𝒴 𝔄𝔅", "𐌰𐌱𐌲 Gothic", "𓀀𓀁 hieroglyphs", "ℌℑℜ ℕℤℚ", "ﬁ ﬂ ﬀ", "Ⓐⓑ", "ｆｕｌｌｗｉｄｔｈ",
        "ß ẞ İ ı ŉ", "Æsir Ørsted Åland", "ĀāĒēĪīŌōŪū", "çãõ ñ ü", "Ⱥ Ɐ ꭓ")

    add("emoji",
        "😀", "😀😃😄", "I ❤️ Swift", "👍🏽", "👍🏿 thumbs", "👨‍👩‍👧‍👦", "family: 👨‍👩‍👧‍👦!", "🏳️‍🌈", "🏴‍☠️",
        "🇺🇸🇯🇵🇩🇪", "flags 🇫🇷 🇬🇧", "1️⃣ 2️⃣ #️⃣", "🧑🏽‍💻 coding", "👩‍❤️‍💋‍👨", "🫠🫶🪿", "☃ ★ ☆ ♠ ♥",
        "emoji😀inside😀words", " 😀", "😀 ", "🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland", "✈️✈︎", "©️®️™️")

    ws = [" ", "\t", "\n", "\r\n", "\r", "\x0b", "\x0c", "\xa0", "\u3000", "\u2003", "\u2009", "\u0085", "\u2028",
          "\u2029", "\u1680", "\u202f", "\u205f", "\x1c", "\x1d", "\x1e", "\x1f", "\u200b", "\ufeff", "\u180e"]
    for w in ws:
        add("whitespace", f"a{w}b", f"a{w}{w}b", f"a {w}b", f"a{w} b", f"{w}a", f"a{w}", f"{w}{w}{w}", f"a{w}{w} b",
            f"1{w}2", f"!{w}?")
    add("whitespace",
        "word \n", "word  \n  next", "x\r\n\r\ny", "x \r\n y", "   \n   \n", "\t\t\tindented", "\n\n\n\nx",
        "a\u00a0\u00a0b", "end with space ", "end with spaces     ", "ends\twith\ttab\t", "a \u3000 b",
        "\u3000\u3000全角", "line\u2028sep", "x" + " " * 40 + "y", "x" + "\t" * 17 + " y", "\n \n \n ",
        " \t \n \r \x0b \x0c ", "   !", "  1", "  é", "  \u0301")

    add("punctuation",
        "!!!", "...", "?!?!", "—", "a—b", "a -- b", "«guillemets»", "“curly quotes”", "()[]{}<>", "@#$%^&*",
        "```code```", "***bold***", "~~~", "<<>>", "=>", "->", "!=", "::", "...!!!???", "¡Hola! ¿Qué?",
        "。、「」『』", "،؛؟", "।॥", "....................", "-" * 80, "=" * 30 + "\n", "_" * 12, "a_b__c___d",
        "\\n\\t", "$$x^2$$", "§1 ¶2 †3 ‡4", "•·°", "° ′ ″", "½!", "!1a", "a!1", "'!'", " '!", "?'s", "?'ll")

    for cp in list(range(0x00, 0x20)) + [0x7F, 0x85, 0xAD, 0x200D, 0x2060, 0xFFFD, 0xFFFE, 0xE000, 0xF8FF]:
        ch = chr(cp)
        add("control", f"a{ch}b", f"{ch}", f" {ch} ", f"{ch}{ch}x")
    add("control", "".join(chr(c) for c in range(0x20)), "\x00\x00\x00", "null\x00byte", "bell\x07\x07")

    add("endoftext",
        "<|endoftext|>", "a<|endoftext|>b", " <|endoftext|> ", "<|endoftext|><|endoftext|>", "Hello<|endoftext|>",
        "<|endoftext", "endoftext|>", "<|endoftext|", "<|EndOfText|>", "< |endoftext| >", "<|endoftext|>\n\nNext",
        "x <|endoftext|>y", "<<|endoftext|>>", "<|endoftext|>|>", "<|<|endoftext|>")

    long_words = [
        "a" * 1000, "ab" * 700, "abc" * 333, "antidisestablishmentarianism" * 40, "9" * 3000, "1234567890" * 100,
        "!" * 1000, "-=" * 400, " " * 2000 + "x", "\n" * 500, "x" + " " * 999, "é" * 500, "日本" * 300,
        "😀" * 200, "Aa" * 600, "z" * 5000,
    ]
    for w in long_words:
        add("long", w)
    return cases


def random_cases(rng, reference_classes):
    assigned = [cp for cp in range(0x110000)
                if not (0xD800 <= cp <= 0xDFFF) and unicodedata.category(chr(cp)) not in ("Cn", "Cs")]
    bmp = [cp for cp in assigned if cp < 0x10000]
    marks = [cp for cp in assigned if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me")]
    emoji = [cp for cp in assigned if 0x1F300 <= cp <= 0x1FAFF]
    spaces = [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0xA0, 0x85, 0x3000, 0x2003, 0x2028, 0x1680, 0x1C, 0x1F, 0x200B]
    ascii_chars = [cp for cp in range(0x20, 0x7F)]
    cases = []

    def draw(pools, length):
        out = []
        for _ in range(length):
            pool = rng.choice(pools)
            out.append(chr(rng.choice(pool)))
        return "".join(out)

    for _ in range(60):
        cases.append(("random-ascii", draw([ascii_chars, ascii_chars, spaces], rng.randint(1, 60))))
    for _ in range(60):
        cases.append(("random-bmp", draw([bmp, ascii_chars, spaces, marks], rng.randint(1, 40))))
    for _ in range(60):
        cases.append(("random-unicode", draw([assigned, ascii_chars, spaces, emoji, marks], rng.randint(1, 40))))
    words = ["the", "The", "THE", "of", "and", "'s", "'LL", "’s", "'", " ", "  ", "\n", "\t", "x", "é", "日本", "😀",
             "123", "4", "!", "?!", "-", "<|endoftext|>", "\u3000", "\xa0", "\r\n", "\u0301", "ß"]
    for _ in range(60):
        cases.append(("random-words", "".join(rng.choice(words) for _ in range(rng.randint(1, 25)))))
    tricky = list("aAsStTmMdDlLrReEvV'’ 1234567890.,!?-_\t\n\r\x0b\x0c\x1c\x1f\x00\x7f") + [
        "\u00a0", "\u3000", "\u2003", "\u0085", "\u2028", "\u200b", "é", "e\u0301", "ß", "日", "한", "😀", "👍🏽",
        "\u200d", "١", "½", "Ⅻ", "ǅ", "ʰ", "\U0001d400", "\u0e01", "\u0e31", "\u093f", "क", "  ", "\r\n", "'s",
        "'ll", "'re", "<|endoftext|>"]
    for _ in range(200):
        cases.append(("random-tricky", "".join(rng.choice(tricky) for _ in range(rng.randint(1, 30)))))
    for _ in range(15):
        alphabet = rng.choice(["ab", "abc", "eto", "aeiouy", "0123", "xyzXYZ", "qu"])
        cases.append(("random-long", "".join(rng.choice(alphabet) for _ in range(rng.randint(300, 1500)))))

    # Code points that Python `regex` knows as letters or numbers but unicodedata (and other
    # engines with older Unicode data) leave unassigned: only `regex` decides these.
    newer = [cp for cp in range(0x110000) if reference_classes[cp] in (LETTER, NUMBER)
             and not (0xD800 <= cp <= 0xDFFF) and unicodedata.category(chr(cp)) == "Cn"]
    regex_only = []
    for _ in range(12):
        regex_only.append(("regex-only", draw([newer, ascii_chars, spaces], rng.randint(2, 20))))
    return cases, regex_only


def probe_cases(ranges):
    """First and last code point of every class range, so the table is checked end to end."""
    probes = []
    for start, end, cls in ranges:
        for cp in {start, end}:
            if not (0xD800 <= cp <= 0xDFFF):
                probes.append([cp, cls])
    return probes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder-py", type=Path, help="OpenAI's encoder.py, to cross-check every case too")
    args = parser.parse_args()

    vocab = json.loads(VOCAB_PATH.read_text(encoding="utf-8"))
    merge_lines = MERGES_PATH.read_text(encoding="utf-8").split("\n")
    assert merge_lines[0].startswith("#version"), "vocab.bpe must start with a #version line"
    merges = [tuple(line.split()) for line in merge_lines[1:] if line]
    reference = ReferenceEncoder(vocab, merges)
    for rank, (a, b) in enumerate(merges):
        assert vocab[a + b] == 256 + rank, "GPT-2 ids are 256 + merge rank"

    mergeable = {bytes(reference.byte_of_char[c] for c in token): i for token, i in vocab.items() if token != END_OF_TEXT}
    tik = tiktoken.Encoding(name="gpt2-local", pat_str=PATTERN, mergeable_ranks=mergeable,
                            special_tokens={END_OF_TEXT: vocab[END_OF_TEXT]})
    hf = Tokenizer(models.BPE.from_file(str(VOCAB_PATH), str(MERGES_PATH)))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    hf.decoder = decoders.ByteLevel()
    hf_special = transformers.GPT2Tokenizer(vocab=str(VOCAB_PATH), merges=str(MERGES_PATH))
    openai = None
    if args.encoder_py:
        spec = importlib.util.spec_from_file_location("openai_encoder", args.encoder_py)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        openai = module.Encoder(encoder=vocab, bpe_merges=merges)

    classes = regex_classes()
    ranges = class_ranges(classes)
    write_swift_table(ranges)

    rng = random.Random(20241123)
    ordinary = handwritten_cases()
    randoms, regex_only = random_cases(rng, classes)
    ordinary += randoms

    out_cases = []
    seen = set()
    for group, text in ordinary + regex_only:
        if text in seen:
            continue
        seen.add(text)
        ids = reference.encode_ordinary(text)
        authoritative_only = group == "regex-only"
        if not authoritative_only:
            assert tik.encode_ordinary(text) == ids, f"tiktoken disagrees on {text!r}"
            assert hf.encode(text).ids == ids, f"tokenizers disagrees on {text!r}"
        if openai is not None:
            assert openai.encode(text) == ids, f"encoder.py disagrees on {text!r}"
        assert reference.decode(ids) == text
        case = {"group": group, "text": text, "ids": ids}
        if len(text) <= 400:
            case["pieces"] = reference.pieces(text)
        out_cases.append(case)

    special_texts = [t for g, t in handwritten_cases() if g == "endoftext"] + [
        "Document one.<|endoftext|>Document two.", "<|endoftext|> leading", "trailing <|endoftext|>",
        "it's<|endoftext|>'s", "  <|endoftext|>  ", "\n<|endoftext|>\n", "😀<|endoftext|>😀", "no special here",
        "<|endoftext|>" * 5, "a<|endoftext|>", "<|endoftext|>b<|endoftext|>c"]
    special_cases = []
    for text in dict.fromkeys(special_texts):
        ids = reference.encode_special(text, [END_OF_TEXT])
        assert tik.encode(text, allowed_special="all") == ids, f"tiktoken (special) disagrees on {text!r}"
        assert hf_special.encode(text, add_special_tokens=False) == ids, f"transformers disagrees on {text!r}"
        special_cases.append({"text": text, "ids": ids})

    decode_cases = []
    byte_tokens = [vocab[reference.char_of_byte[b]] for b in range(0x80, 0x100)]
    for _ in range(120):
        ids = [rng.choice(byte_tokens) if rng.random() < 0.6 else rng.randrange(50257)
               for _ in range(rng.randint(1, 8))]
        text = reference.decode(ids)
        assert tik.decode(ids) == text, f"tiktoken decode disagrees on {ids}"
        assert hf.decode(ids) == text, f"tokenizers decode disagrees on {ids}"
        decode_cases.append({"ids": ids, "text": text})

    document = {
        "magic": "gpt2-tokenizer-cases",
        "version": 1,
        "regenerate": COMMAND,
        "references": {
            "regex": regex.__version__, "tiktoken": tiktoken.__version__, "tokenizers": tokenizers.__version__,
            "transformers": transformers.__version__, "python": sys.version.split()[0],
            "encoder.py": "checked" if openai is not None else "not run (no --encoder-py)",
        },
        "vocab_sha256": hashlib.sha256(VOCAB_PATH.read_bytes()).hexdigest(),
        "merges_sha256": hashlib.sha256(MERGES_PATH.read_bytes()).hexdigest(),
        "vocabulary_size": len(vocab),
        "end_of_text_id": vocab[END_OF_TEXT],
        "cases": out_cases,
        "special_cases": special_cases,
        "decode_cases": decode_cases,
        "class_probes": probe_cases(ranges),
    }
    CASES_PATH.parent.mkdir(parents=True, exist_ok=True)
    CASES_PATH.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    size = CASES_PATH.stat().st_size
    print(f"wrote {CASES_PATH.relative_to(ROOT)}: {len(out_cases)} cases ({sum(c['group'] == 'regex-only' for c in out_cases)}"
          f" regex-only), {len(special_cases)} special, {len(decode_cases)} decode, {size} bytes")
    print(f"wrote {TABLE_PATH.relative_to(ROOT)}: {len(ranges)} ranges")


if __name__ == "__main__":
    main()
