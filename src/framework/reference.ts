// The job-options reference, generated from the property declarations of registered
// component types (so it cannot drift from the code).
import { collectProperties, type ComponentClass } from './component.js';
import { describeProperties } from './properties.js';
import { registry as globalRegistry, type ComponentRegistry } from './registry.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A default as JSON; a 64-bit integer (bigint) as its digits. */
function defaultText(value: unknown): string {
  return typeof value === 'bigint' ? String(value) : JSON.stringify(value);
}

/** Markdown: one section per component type, one table row per property. */
export function jobOptionsReference(registry: ComponentRegistry = globalRegistry, types: string[] = registry.typeNames()): string {
  const out: string[] = [];
  for (const type of types) {
    const cls = registry.get(type) as ComponentClass | undefined;
    if (!cls) continue;
    out.push(`### ${type}`, '', '| Property | Type | Default | Description |', '| --- | --- | --- | --- |');
    for (const p of describeProperties(collectProperties(cls))) {
      out.push(`| ${p.name} | ${cell(p.type)} | \`${cell(defaultText(p.default))}\` | ${cell(p.doc)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
