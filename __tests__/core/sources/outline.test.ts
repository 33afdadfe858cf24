// What a run needs, read from the collection before running it: collection- and folder-level scripts
// with what they set, variables used but defined nowhere (chained ones and dynamic {{$guid}} are not
// missing), flow control, and requests no test checks.
import { outlineCollection, OutlineSchema } from '../../../src/core/sources/outline.js';
import { scriptEffects } from '../../../src/core/sources/script-analysis.js';

const script = (listen: 'prerequest' | 'test', ...exec: string[]) => ({ listen, script: { exec } });
const source = { kind: 'local' as const, ref: 'c.json' };

const COLLECTION = {
  info: { name: 'Needs' },
  variable: [{ key: 'baseUrl', value: 'http://localhost:3000' }],
  event: [script('prerequest', "pm.request.headers.add({ key: 'x-api-key', value: pm.environment.get('apiKey') });")],
  item: [
    {
      name: 'Auth',
      event: [script('test', "if (pm.response.code === 200) pm.environment.set('token', pm.response.json().token);")],
      item: [
        { name: 'Login', request: { method: 'POST', url: '{{APIURL}}/login', body: { mode: 'raw', raw: '{"user": "{{USERNAME}}", "id": "{{$guid}}"}' } }, event: [script('test', "pm.test('ok', () => {});")] },
        { name: 'Me', request: { method: 'GET', url: '{{baseUrl}}/me', header: [{ key: 'Authorization', value: 'Bearer {{token}}' }] }, event: [script('test', "pm.test('me', () => {}); postman.setNextRequest('Logout');")] },
      ],
    },
    { name: 'Logout', request: { method: 'POST', url: '{{baseUrl}}/logout?tenant={{tenant}}' } },
  ],
};

describe('outline needs', () => {
  const outline = OutlineSchema.parse(outlineCollection(COLLECTION as never, source, undefined, ['tenant']));

  it('lists the collection and folder scripts with what each sets or adds', () => {
    expect(outline.needs?.scripts).toEqual([
      { at: 'collection', listen: 'prerequest', summary: 'adds header x-api-key' },
      { at: 'Auth', listen: 'test', summary: 'sets {{token}}' },
    ]);
    expect(outline.needs?.setByScripts).toEqual(['token']);
  });

  it('names variables used but defined nowhere, with where; chained, dynamic and environment ones are not missing', () => {
    expect(outline.needs?.missingVariables).toEqual([
      { name: 'APIURL', usedIn: ['Auth/Login'] },
      { name: 'USERNAME', usedIn: ['Auth/Login'] },
    ]);
    expect(outline.warnings?.join(' ')).toMatch(/2 variables are used but defined nowhere \(\{\{APIURL\}\}, \{\{USERNAME\}\}\)/);
  });

  it('flags flow control and requests without assertions', () => {
    expect(outline.needs?.flowControl).toEqual([{ request: 'Auth/Me', uses: ['setNextRequest'] }]);
    expect(outline.needs?.withoutAssertions).toEqual({ count: 1, requests: ['Logout'] });
    expect(outline.warnings?.join(' ')).toMatch(/1 request changes the run order/);
  });

  it('without the environment, its variables are missing too', () => {
    const bare = outlineCollection(COLLECTION as never, source);
    expect(bare.needs?.missingVariables.map((missing) => missing.name)).toEqual(['APIURL', 'USERNAME', 'tenant']);
  });
});

describe('scriptEffects', () => {
  it.each([
    ["pm.environment.set('a', 1); pm.collectionVariables.set(`b`, 2); pm.globals.set('c'); postman.setEnvironmentVariable('d', 3)", { sets: ['a', 'b', 'c', 'd'], setsComputed: false }],
    ["const k = 'x'; pm.variables.set(k, 1);", { sets: [], setsComputed: true }],
    ["pm.request.headers.upsert({ key: 'X-Trace', value: '1' }); pm.request.addHeader('X-Other: 2')", { headers: ['X-Trace', 'X-Other: 2'] }],
    ["pm.sendRequest('http://x', () => {}); pm.execution.skipRequest(); pm.execution.setNextRequest(null);", { sendsRequests: true, flow: ['skipRequest', 'setNextRequest'] }],
    ["pm.environment.get('a'); pm.expect(1).to.eql(1);", { sets: [], headers: [], sendsRequests: false, flow: [] }],
    ['pm.test((', { unparsed: true }],
  ])('%s', (source, expected) => {
    expect(scriptEffects(source)).toMatchObject(expected);
  });
});
