#!/usr/bin/env python3
"""Unit tests of scripts/regress.py without a build: the description's checks name the line,
seeds follow the documented derivation, failure signatures group one defect, a run's outcome is
read from its process (pass, failure, crash, timeout), and the reports are well formed."""
import json
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import regress  # noqa: E402

GOOD = """
[tiers.smoke]
description = "quick"

[[entry]]
scenario = "requant"
tiers = ["smoke"]
seeds = { smoke = 3 }
stall = ["random", "heavy"]
"""


class Description(unittest.TestCase):
    def load(self, text):
        return regress.loads_description(text, Path("r.toml"))

    def test_good_expands(self):
        d = self.load(GOOD)
        runs = regress.expand(d, "smoke", 1, Path("/b"), Path("/b/hycim"))
        self.assertEqual([r.id for r in runs], [f"requant.ci.{s}.{k}" for s in ("random", "heavy") for k in range(3)])
        self.assertEqual(len({r.seed for r in runs}), 6, "every run its own seed")
        again = regress.expand(d, "smoke", 1, Path("/b"), Path("/b/hycim"))
        self.assertEqual([r.seed for r in runs], [r.seed for r in again], "reproducible from the base seed")
        other = regress.expand(d, "smoke", 2, Path("/b"), Path("/b/hycim"))
        self.assertNotEqual([r.seed for r in runs], [r.seed for r in other])

    def assertRefused(self, text, line, words):
        with self.assertRaises(regress.RegressError) as cm:
            self.load(text)
        msg = str(cm.exception)
        self.assertIn(f"r.toml:{line}:", msg)
        self.assertIn(words, msg)

    def test_errors_name_the_line(self):
        self.assertRefused(GOOD + '\n[[entry]]\nscenario = "pq"\ntiers = ["nightly"]\n', 11, "tier 'nightly'")
        self.assertRefused(GOOD.replace("seeds = { smoke = 3 }", "seeds = { smoke = 0 }"), 5, "seeds.smoke")
        self.assertRefused(GOOD.replace('stall = ["random", "heavy"]', 'stall = ["sometimes"]'), 5, "stall")
        self.assertRefused(GOOD.replace('scenario = "requant"', 'scenario = "requant"\ntest = "x"'), 5, "exactly one")
        self.assertRefused(GOOD.replace('tiers = ["smoke"]', 'tiers = ["smoke"]\nseed = 3'), 5, "unknown key")
        self.assertRefused(GOOD.replace('description = "quick"', "description = 3"), 2, "description")
        self.assertRefused(GOOD + "[tiers.Bad]\n", 10, "tier name")

    def test_not_toml(self):
        with self.assertRaises(regress.RegressError) as cm:
            self.load("[tiers.smoke\n")
        self.assertIn("line 1", str(cm.exception))

    def test_repository_description_loads(self):
        d = regress.load_description(regress.DEFAULT_DESC)
        self.assertEqual(set(d.tiers), {"smoke", "ci", "nightly", "mutation"})


class Seeds(unittest.TestCase):
    def test_splitmix_reference_values(self):
        # splitmix64 from state 0: the first output of Vigna's reference generator.
        self.assertEqual(regress.splitmix64(0), 0xE220A8397B1DCDAF)
        self.assertEqual(regress.fnv1a(""), 0xCBF29CE484222325)
        self.assertEqual(regress.fnv1a("a"), 0xAF63DC4C8601EC8C)


class Signatures(unittest.TestCase):
    def test_one_defect_one_signature(self):
        a = regress.normalize("tensor 'requant.out' beat 17: expected 5, got -7")
        b = regress.normalize("tensor 'requant.out' beat 4096: expected 0x1f, got 3")
        self.assertEqual(a, b)
        self.assertNotEqual(a, regress.normalize("tensor 'requant.counters' beat 1: expected 5, got 7"))

    def test_gtest_failure(self):
        log = ("[ RUN      ] A.B\n/x/tb/harness/hycim_test.cc:22: Failure\nFailed\n"
               "tensor 'sfln.out' beat 12: expected 3, got 4\n[  FAILED  ] A.B\n")
        self.assertEqual(regress.gtest_signature(log), "tensor 'sfln.out' beat #: expected #, got #")
        log2 = "/x/tests/core/test_lzc.cc:40: Failure\nExpected equality of these values:\n  a\n"
        self.assertEqual(regress.gtest_signature(log2), "Expected equality of these values: [test_lzc.cc:40]")


class Execute(unittest.TestCase):
    def run_cmd(self, cmd, timeout=20):
        r = regress.Run("t.0", "t", "test", cmd, {"HYCIM_SEED": "5"}, "/", 5, timeout)
        with tempfile.TemporaryDirectory() as d:
            return regress.execute(r, Path(d), False)

    def test_outcomes(self):
        self.assertEqual(self.run_cmd(["true"])["status"], "pass")
        f = self.run_cmd(["sh", "-c", "echo '/a/t.cc:3: Failure'; echo 'value 7 too big'; exit 1"])
        self.assertEqual((f["status"], f["signature"]), ("fail", "value # too big [t.cc:3]"))
        self.assertEqual(f["reproduce"], "HYCIM_SEED=5 sh -c " + "'echo '\"'\"'/a/t.cc:3: Failure'\"'\"'; echo '\"'\"'value 7 too big'\"'\"'; exit 1'")
        c = self.run_cmd(["sh", "-c", "kill -SEGV $$"])
        self.assertEqual((c["status"], c["signature"]), ("fail", "killed by SIGSEGV"))
        t = self.run_cmd(["sleep", "30"], timeout=1)
        self.assertEqual((t["status"], t["signature"]), ("timeout", "timeout after 1 s"))


class Reports(unittest.TestCase):
    def test_reports_well_formed(self):
        res = [{"id": "a.0", "test": "a", "kind": "test", "seed": 1, "status": "pass", "exit": 0, "signature": None,
                "seconds": 0.1, "beats": {"x": 3}, "top": None, "reproduce": "r", "reproduce_waveform": "w",
                "cwd": "/", "log": "/l"},
               {"id": "a.1", "test": "a", "kind": "test", "seed": 2, "status": "fail", "exit": 1,
                "signature": "bad <&> thing", "seconds": 0.1, "beats": {"x": 4}, "top": None, "reproduce": "r",
                "reproduce_waveform": "w", "cwd": "/", "log": "/l"}]
        s = regress.summarize(res, {"tier": "t", "base_seed": 1, "mode": "local", "jobs": 2, "workers": "jobs",
                                    "wall_seconds": 1.0, "out": "/o", "description": "d"})
        self.assertEqual((s["passed"], s["failed"], s["beats"]), (1, 1, {"x": 7}))
        self.assertEqual([g["signature"] for g in s["failures"]], ["bad <&> thing"])
        root = ET.fromstring(regress.junit_report(s).split("?>", 1)[1])
        self.assertEqual(root.get("failures"), "1")
        self.assertEqual(len(root.findall(".//failure")), 1)
        self.assertIn("bad &lt;&amp;&gt; thing", regress.html_report(s))
        self.assertIn("1 / 2 passed", regress.md_report(s))
        json.dumps(s)


if __name__ == "__main__":
    unittest.main()
