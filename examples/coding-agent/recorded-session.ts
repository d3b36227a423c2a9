// The scripted model's side of the sample task, recorded: a first implementation with two
// bugs, then a fix once it has read the failing tests. Its words about the failure name the
// tests that actually failed in the sandbox, read from the tool messages.
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { lastToolOutput, type RecordingStep } from '../openai-functions-bot/openai-model.ts';

export const sampleTask =
  'Write a Python module slugify.py with a function slugify(title) that turns a title into a URL slug: ' +
  'lowercase ASCII words joined by single hyphens, accents folded (é → e), everything else dropped. ' +
  'Write unittest tests for it in test_slugify.py, run them, and fix the module until they pass.';

const firstTry = `import re


def slugify(title):
    """Turns a title into a URL slug: "Hello, World!" -> "hello-world"."""
    return re.sub(r"[^a-z0-9]", "-", title.lower())
`;

const tests = `import unittest

from slugify import slugify


class SlugifyTest(unittest.TestCase):
    def test_words(self):
        self.assertEqual(slugify("Release notes"), "release-notes")

    def test_punctuation(self):
        self.assertEqual(slugify("Hello, World!"), "hello-world")

    def test_accents(self):
        self.assertEqual(slugify("Crème brûlée à Paris"), "creme-brulee-a-paris")

    def test_already_a_slug(self):
        self.assertEqual(slugify("already-a-slug"), "already-a-slug")


if __name__ == "__main__":
    unittest.main()
`;

const fixed = `import re
import unicodedata


def slugify(title):
    """Turns a title into a URL slug: "Hello, World!" -> "hello-world"."""
    # Split accented letters into letter + accent, then drop what is not ASCII (the accents).
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words)
`;

// As a strict-mode model calls it: every argument present, the unused working directory null.
const runTests = { name: 'run_command', arguments: { command: 'python3 -m unittest -v', cwd: null } };

/** The test names unittest reported as failing, e.g. ['test_accents', 'test_punctuation']. */
function failingTests(messages: ChatCompletionMessageParam[]): string[] {
  return [...lastToolOutput(messages).matchAll(/^FAIL: (\w+)/gm)].map((m) => m[1] as string);
}

export const recordedSession: RecordingStep[] = [
  {
    text: "I'll write the module and its tests, then run them.",
    calls: [
      { name: 'write_file', arguments: { path: 'slugify.py', content: firstTry } },
      { name: 'write_file', arguments: { path: 'test_slugify.py', content: tests } },
      runTests,
    ],
  },
  (messages) => ({
    text:
      `${failingTests(messages).join(' and ')} fail: replacing each other character with a hyphen leaves ` +
      'doubled and trailing hyphens, and accented letters are replaced instead of folded. I will fold accents ' +
      'with Unicode normalisation and join the remaining words with single hyphens.',
    calls: [{ name: 'write_file', arguments: { path: 'slugify.py', content: fixed } }, runTests],
  }),
  (messages) => {
    const passed = /^OK$/m.test(lastToolOutput(messages));
    return { text: passed ? 'All tests pass: slugify.py folds accents and joins words with single hyphens.' : 'The tests still fail.' };
  },
];
