/**
 * Small inline SVG charts for report.html: no library, no network, readable offline and
 * printable. Every label is escaped; numbers are formatted here.
 */
export interface Bar {
  label: string;
  value: number;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const HEIGHT = 180;
const TOP = 16;
const BOTTOM = 48;
const LEFT = 36;

/** A vertical bar chart; bars are labelled underneath (rotated when there are many). */
export function barChart(title: string, bars: readonly Bar[], colour = '#2f6f8f'): string {
  const slot = bars.length > 30 ? 14 : bars.length > 12 ? 22 : 44;
  const rotate = bars.length > 8;
  // Rotated labels lean right, past the last bar: leave them room.
  const width = LEFT + Math.max(1, bars.length) * slot + (rotate ? 56 : 8);
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const plot = HEIGHT - TOP - BOTTOM;
  const body = bars
    .map((bar, index) => {
      const h = (bar.value / max) * plot;
      const x = LEFT + index * slot + 2;
      const y = TOP + plot - h;
      const labelX = x + (slot - 4) / 2;
      const labelY = TOP + plot + 12;
      const label = rotate
        ? `<text x="${labelX}" y="${labelY}" transform="rotate(45 ${labelX} ${labelY})" class="axis">${escapeHtml(bar.label)}</text>`
        : `<text x="${labelX}" y="${labelY}" text-anchor="middle" class="axis">${escapeHtml(bar.label)}</text>`;
      return (
        `<rect x="${x}" y="${y.toFixed(1)}" width="${slot - 4}" height="${h.toFixed(1)}" fill="${colour}">` +
        `<title>${escapeHtml(bar.label)}: ${bar.value}</title></rect>` +
        (bar.value > 0 && !rotate
          ? `<text x="${labelX}" y="${(y - 3).toFixed(1)}" text-anchor="middle" class="value">${bar.value}</text>`
          : '') +
        label
      );
    })
    .join('');
  const axis =
    `<line x1="${LEFT}" y1="${TOP + plot}" x2="${width}" y2="${TOP + plot}" class="line"/>` +
    `<text x="${LEFT - 4}" y="${TOP + 4}" text-anchor="end" class="axis">${max}</text>` +
    `<text x="${LEFT - 4}" y="${TOP + plot}" text-anchor="end" class="axis">0</text>`;
  return (
    `<figure><figcaption>${escapeHtml(title)}</figcaption>` +
    `<svg role="img" aria-label="${escapeHtml(title)}" ` +
    `width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}">${axis}${body}</svg></figure>`
  );
}
