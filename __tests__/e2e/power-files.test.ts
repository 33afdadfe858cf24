// The Kiro power as Kiro reads it: POWER.md's frontmatter, the files it names, the hook it writes out
// for the agent to save, and mcp.json — checked against the package and the tool table.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { tools } from '../../src/tools/index.js';

const root = path.resolve('.');
const power = readFileSync(path.join(root, 'POWER.md'), 'utf8');
const [, frontmatter, body] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(power) ?? [];

it('POWER.md has the frontmatter Kiro reads, with keywords as people type them', () => {
  const meta = YAML.parse(frontmatter) as Record<string, unknown>;
  expect(Object.keys(meta).sort()).toEqual(['author', 'description', 'displayName', 'keywords', 'name']);
  expect(meta.name).toBe('postman-power');
  const keywords = meta.keywords as string[];
  expect(keywords.length).toBeGreaterThanOrEqual(4);
  // Words, not slugs; and never bare "postman", which Postman's own power answers to.
  for (const keyword of keywords) expect(keyword).toMatch(/^[a-z0-9]+( [a-z0-9]+)*$/);
  expect(keywords).not.toContain('postman');
});

it('every file POWER.md names is in the package, and its steering files are all named', () => {
  const named = [...body.matchAll(/`((?:steering|examples)\/[^`]+\.md|mcp\.json)`/g)].map((match) => match[1]);
  expect(named.length).toBeGreaterThan(0);
  for (const file of named) expect([file, existsSync(path.join(root, file))]).toEqual([file, true]);
  for (const file of ['steering/workflow.md', 'steering/config-reference.md']) expect(named).toContain(file);
  const files = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] }).files;
  for (const shipped of ['POWER.md', 'mcp.json', 'steering']) expect(files).toContain(shipped);
});

it('the hook in POWER.md is a complete Kiro hook, with where to save it', () => {
  const block = /`(\.kiro\/hooks\/[^`]+\.kiro\.hook)`[\s\S]*?```json\n([\s\S]*?)```/.exec(body);
  expect(block).not.toBeNull();
  const hook = JSON.parse(block![2].replace(/^ {3}/gm, '')) as Record<string, any>;
  expect(hook).toMatchObject({ enabled: true, name: expect.any(String), when: { type: 'fileEdited', patterns: expect.any(Array) }, then: { type: 'askAgent', prompt: expect.any(String) } });
  // The prompt names tools that exist.
  for (const name of (hook.then.prompt as string).match(/\b[a-z]+(?:_[a-z]+)+\b/g) ?? []) expect(tools.map((tool) => tool.name)).toContain(name);
});

it('every tool is in POWER.md; mcp.json starts the installed binary and auto-approves only read-only tools', () => {
  for (const tool of tools) expect(body).toContain(`\`${tool.name}\``);
  const server = (JSON.parse(readFileSync(path.join(root, 'mcp.json'), 'utf8')) as { mcpServers: Record<string, { command: string; autoApprove: string[] }> }).mcpServers['postman-power'];
  expect(server.command).toBe('postman-power');
  const readOnly = tools.filter((tool) => tool.annotations.readOnlyHint).map((tool) => tool.name).sort();
  expect([...server.autoApprove].sort()).toEqual(readOnly);
});
