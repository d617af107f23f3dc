import { describe, expect, it } from '@jest/globals';
import { escapeHtml, html } from './html.js';

describe('html', () => {
  it('escapes every interpolated text, in text and in quoted attributes', () => {
    const title = `<script>alert("x")</script> & 'quoted'`;
    const page = html`<p title="${title}">${title}</p>`.markup;
    expect(page).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;</p>',
    );
    expect(page).not.toContain('<script>');
  });

  it('keeps markup made by html, joins arrays, and drops absent values', () => {
    const rows = ['a<', 'b>'].map((cell) => html`<td>${cell}</td>`);
    // prettier-ignore
    const row = html`<tr>${rows}</tr>${undefined}${null}${false}${0}`;
    expect(row.markup).toBe('<tr><td>a&lt;</td><td>b&gt;</td></tr>0');
  });

  it('escapes a value that only pretends to be markup', () => {
    expect(html`${{ markup: '<b>' }}`.markup).toBe('[object Object]');
    expect(escapeHtml('"\'<>&')).toBe('&quot;&#39;&lt;&gt;&amp;');
  });
});
