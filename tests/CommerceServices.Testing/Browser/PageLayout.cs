using Microsoft.Playwright;

namespace CommerceServices.Testing;

/// <summary>
/// Whether a page reads well at a width: no sideways scrolling, and no word broken inside ("activ/e"). Ids, keys and
/// names a user typed may wrap anywhere (they are in <c>code</c>, in <c>bdi</c>, or longer than any word), so they do
/// not count.
/// </summary>
public static class PageLayout
{
    public static readonly int[] Widths = [390, 1280];

    // For every run of letters or digits in visible text, the lines its characters sit on: more than one is a break.
    private const string Script = """
        () => {
          const problems = [];
          const root = document.documentElement;
          if (root.scrollWidth > root.clientWidth + 1) {
            const wide = [...document.body.querySelectorAll('*')]
              .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
              .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + (e.dataset.testid ? '[' + e.dataset.testid + ']' : ''))
              .slice(-3);
            problems.push(`scrolls sideways: ${root.scrollWidth}px of content in a ${root.clientWidth}px window (widest: ${wide.join(', ')})`);
          }
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          const range = document.createRange();
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const parent = node.parentElement;
            if (!parent || parent.closest('code, pre, textarea, select, option, script, style, bdi, .visually-hidden, [hidden]')) continue;
            if (parent.getClientRects().length === 0) continue;
            for (const match of node.data.matchAll(/[\p{L}\p{N}]{2,24}/gu)) {
              range.setStart(node, match.index);
              range.setEnd(node, match.index + match[0].length);
              const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom)));
              if (lines.size > 1) problems.push(`"${match[0]}" is broken across lines in <${parent.tagName.toLowerCase()}>`);
            }
          }
          // On a desktop, a short value in a table cell (an amount, an id, a status, a date) stays on one line.
          if (window.innerWidth >= 1000) {
            for (const cell of document.querySelectorAll('td, th')) {
              const text = cell.textContent.trim();
              if (text.length === 0 || text.length > 24 || cell.querySelector('input, button, select, textarea')) continue;
              const tops = [];
              const texts = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
              for (let t = texts.nextNode(); t; t = texts.nextNode()) {
                range.selectNodeContents(t);
                tops.push(...[...range.getClientRects()].filter(r => r.width > 0).map(r => r.top));
              }
              // Lines are a line-height apart; pieces of one line differ by a few pixels at most (padding of <code>).
              if (tops.length > 1 && Math.max(...tops) - Math.min(...tops) > 8) problems.push(`"${text}" wraps in a table cell`);
            }
          }
          return problems;
        }
        """;

    /// <summary>What is wrong with the page as it is now laid out.</summary>
    public static async Task<IReadOnlyList<string>> ProblemsAsync(IPage page) => await page.EvaluateAsync<string[]>(Script);

    /// <summary>The page at each of <see cref="Widths"/>: what is wrong, prefixed with the width and the path.</summary>
    public static async Task<IReadOnlyList<string>> ProblemsAtEveryWidthAsync(IPage page)
    {
        var problems = new List<string>();
        var original = page.ViewportSize;
        foreach (var width in Widths)
        {
            await page.SetViewportSizeAsync(width, 900);
            problems.AddRange((await ProblemsAsync(page)).Select(p => $"{width} px {new Uri(page.Url).AbsolutePath}: {p}"));
        }

        if (original is not null)
        {
            await page.SetViewportSizeAsync(original.Width, original.Height);
        }

        return problems;
    }
}
