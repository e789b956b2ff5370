#!/usr/bin/env python3
"""Self-test of scripts/mutate.py without building RTL (ctest mutation.selftest, label unit):
the generator is deterministic and changes one line per mutant, skips comments and assertions,
curated.toml matches the current RTL, and the score and the reports add up."""
from __future__ import annotations

import io
import json
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import mutate  # noqa: E402

SAMPLE = """\
// a + b in a comment, if (x == y) too
`include "hycim_assert.svh"
module m #(
  parameter int unsigned W = 4
) (
  input logic clk_i,
  input logic rst_ni,
  input logic [W-1:0] a_i,
  output logic [W-1:0] y_o
);
  logic [W-1:0] q;
  assign y_o = (q == a_i) ? q + 4'd3 : q & a_i;  /* q - 1 in a block comment */
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      q <= '0;
    end else if (a_i < q) begin
      q <= a_i - 1'b1;
    end else if (!a_i[0]) begin
      q <= ~q;
    end
  end
  `HYCIM_ASSERT(NoX, q != 4'd7 &&
                a_i == 0)
endmodule
"""


class Generator(unittest.TestCase):
    def test_every_mutant_changes_exactly_one_line(self):
        lines = SAMPLE.split("\n")
        ms = mutate.candidates("b", "m.sv", SAMPLE)
        self.assertGreater(len(ms), 10)
        for m in ms:
            self.assertEqual(lines[m.line - 1], m.original)
            self.assertNotEqual(m.original, m.mutated)
            applied = list(lines)
            applied[m.line - 1] = m.mutated
            self.assertEqual(sum(a != b for a, b in zip(lines, applied)), 1)

    def test_comments_assertions_and_headers_are_skipped(self):
        ms = mutate.candidates("b", "m.sv", SAMPLE)
        touched = {m.line for m in ms}
        for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 22, 23, 24):
            self.assertNotIn(n, touched, SAMPLE.split("\n")[n - 1])
        # the block comment on line 12 is not mutated, only the code before it
        for m in ms:
            if m.line == 12:
                self.assertIn("/* q - 1 in a block comment */", m.mutated)
        # nothing inside [...] (widths, selects)
        self.assertFalse(any("[W+1:0]" in m.mutated or "[W-2:0]" in m.mutated for m in ms))

    def test_every_kind_is_generated(self):
        kinds = {m.kind for m in mutate.candidates("b", "m.sv", SAMPLE)}
        self.assertEqual(kinds, set(mutate.KINDS))
        ms = {m.what: m for m in mutate.candidates("b", "m.sv", SAMPLE)}
        self.assertIn("if (a_i < q) negated", ms)
        self.assertIn("    end else if (!(a_i < q)) begin", ms["if (a_i < q) negated"].mutated)
        self.assertEqual(ms["reset assignment 'q <= '0;' dropped"].mutated.strip(), ";")
        # the reset test itself is left alone
        self.assertFalse(any(m.line == 14 and m.kind in ("condition", "negation") for m in ms.values()))
        self.assertIn("      q <= q;", [m.mutated for m in ms.values() if m.kind == "negation"])
        # the nonblocking assignment is never taken for a comparison
        self.assertFalse(any(m.kind == "relational" and "q < a_i - 1'b1" in m.mutated for m in ms.values()))
        self.assertTrue(any(m.mutated.strip() == "assign y_o = (q == a_i) ? q + 4'd4 : q & a_i;  "
                            "/* q - 1 in a block comment */" for m in ms.values()))

    def test_choice_is_deterministic_and_seeded(self):
        pool = mutate.candidates("b", "m.sv", SAMPLE)
        a = [m.id for m in mutate.choose(list(pool), 8, 1, "b")]
        b = [m.id for m in mutate.choose(list(mutate.candidates("b", "m.sv", SAMPLE)), 8, 1, "b")]
        c = [m.id for m in mutate.choose(list(pool), 8, 2, "b")]
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        self.assertEqual(len(set(a)), 8)
        # round robin: the first picks cover several kinds
        kinds = {m.kind for m in mutate.choose(list(pool), len(mutate.KINDS), 1, "b")}
        self.assertEqual(kinds, set(mutate.KINDS))

    def test_ids_do_not_depend_on_line_numbers(self):
        shifted = "// one more comment line\n" + SAMPLE
        a = {m.id: m.line for m in mutate.candidates("b", "m.sv", SAMPLE)}
        b = {m.id: m.line for m in mutate.candidates("b", "m.sv", shifted)}
        self.assertEqual(set(a), set(b))
        self.assertTrue(all(b[i] == a[i] + 1 for i in a))


class Repository(unittest.TestCase):
    """curated.toml against the RTL as it is now: it cannot rot."""

    def setUp(self):
        self.desc = mutate.load_description(mutate.DEFAULT_CURATED)

    def test_curated_anchors_and_equivalents_match(self):
        for b in self.desc.blocks:
            ms = mutate.block_mutants(self.desc, b)  # raises on a stale anchor or equivalent
            self.assertGreaterEqual(len(ms), 20, b)
            lines = {f: (mutate.RTL / f).read_text().split("\n") for f in self.desc.blocks[b].files}
            for m in ms:
                self.assertEqual(lines[m.file][m.line - 1], m.original, m.id)
        for m in self.desc.curated:
            self.assertTrue(any(x.id == m["id"] for x in mutate.block_mutants(self.desc, m["block"])))

    def test_generation_is_deterministic_on_the_rtl(self):
        for b in self.desc.blocks:
            a = [(m.id, m.mutated) for m in mutate.block_mutants(self.desc, b)]
            c = [(m.id, m.mutated) for m in mutate.block_mutants(self.desc, b)]
            self.assertEqual(a, c)

    def test_every_generated_mutant_of_the_rtl_changes_one_line(self):
        for b, blk in self.desc.blocks.items():
            for f in blk.files:
                text = (mutate.RTL / f).read_text()
                lines = text.split("\n")
                for m in mutate.candidates(b, f, text):
                    self.assertEqual(lines[m.line - 1], m.original)
                    self.assertNotEqual(m.original, m.mutated)
                    self.assertNotIn("HYCIM_ASSERT", m.original)
                    self.assertFalse(m.original.lstrip().startswith("//"), m.id)

    def test_stale_anchor_is_refused(self):
        text = mutate.DEFAULT_CURATED.read_text() + (
            '\n[[mutant]]\nid = "c-stale"\nblock = "sync_fifo"\nfile = "core/sync_fifo.sv"\n'
            'original = "no such text in the fifo"\nreplacement = "x"\nreason = "r"\n')
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "c.toml"
            p.write_text(text)
            desc = mutate.load_description(p)
            with self.assertRaises(mutate.MutateError) as cm:
                mutate.block_mutants(desc, "sync_fifo")
            self.assertIn("c-stale", str(cm.exception))

    def test_stale_equivalent_is_refused(self):
        text = mutate.DEFAULT_CURATED.read_text() + (
            '\n[[equivalent]]\nid = "g-00000000"\nblock = "sync_fifo"\nmutated = "x"\n'
            'reason = "a long enough argument that is wrong"\n')
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "c.toml"
            p.write_text(text)
            desc = mutate.load_description(p)
            with self.assertRaises(mutate.MutateError) as cm:
                mutate.block_mutants(desc, "sync_fifo")
            self.assertIn("g-00000000", str(cm.exception))


class Scores(unittest.TestCase):
    def fake(self, statuses):
        return [{"id": f"g-{i:08x}", "status": s, "kind": "arith", "file": "core/x.sv", "line": i + 1,
                 "what": "'+' -> '-'", "original": "a + b;", "mutated": "a - b;", "equivalent": ""}
                for i, s in enumerate(statuses)]

    def test_score_counts_killed_and_timeouts_over_live_mutants(self):
        res = self.fake(["killed"] * 17 + ["timeout"] * 2 + ["survived"] + ["stillborn"] * 3 + ["equivalent"] * 2)
        c = mutate.counts_of(res)
        self.assertEqual(c["mutants"], 25)
        self.assertAlmostEqual(mutate.score_of(c), 19 / 20)
        self.assertIsNone(mutate.score_of(mutate.counts_of(self.fake(["stillborn"]))))

    def test_classify(self):
        self.assertEqual(mutate.classify(False, None, False), "stillborn")
        self.assertEqual(mutate.classify(True, 0, False), "survived")
        self.assertEqual(mutate.classify(True, 8, False), "killed")
        self.assertEqual(mutate.classify(True, 8, True), "timeout")

    def test_reports_list_survivors_with_their_diff(self):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            mutate.write_reports(out, {"block": "blk", "tests": ["test_blk"], "results":
                                       self.fake(["killed", "survived", "stillborn"])})
            r = json.loads((out / "blk.json").read_text())
            self.assertEqual(r["score"], 0.5)
            md = (out / "summary.md").read_text()
            self.assertIn("| blk | test_blk | 3 | 1 | 1 | 0 | 0 | 1 | 50.0 % |", md)
            self.assertIn("rtl/core/x.sv:2", md)
            self.assertIn("-a + b;", md)
            self.assertIn("+a - b;", md)


class CommandLine(unittest.TestCase):
    def run_main(self, argv):
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            rc = mutate.main(argv)
        return rc, out.getvalue(), err.getvalue()

    def test_errors_exit_2(self):
        rc, _, err = self.run_main(["--block", "no_such_block", "--list"])
        self.assertEqual(rc, 2)
        self.assertIn("no_such_block", err)
        rc, _, err = self.run_main(["--min-score", "95", "--list"])
        self.assertEqual(rc, 2)
        rc, _, err = self.run_main(["--curated", "/nonexistent.toml", "--list"])
        self.assertEqual(rc, 2)

    def test_list_and_check(self):
        rc, out, _ = self.run_main(["--list", "--block", "sync_fifo"])
        self.assertEqual(rc, 0)
        self.assertIn("sync_fifo:", out)
        rc, out, _ = self.run_main(["--check"])
        self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    unittest.main(verbosity=1)
