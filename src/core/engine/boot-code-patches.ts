// Faster, equivalent code for the hottest spots of postman-sandbox's boot code: what every script
// context evaluates (pm, chai, lodash, postman-collection, uniscope), bundled and minified in
// .cache/bootcode.browser.js. Found by CPU profiles of a run process on the bench's workload A, where
// the code inside the context is ≈ 28% of a run: uniscope rebuilt every script's scope from the
// context's ~150 global names with Array#indexOf against ~90 allowed names, twice per script (≈ 4%);
// the context's postman-collection builds a Request, a Response and four VariableScopes per script
// through PropertyBase's lodash chain (≈ 1.5%) and asks lodash's `has` for every property of them.
// The same changes as engine-patches.ts makes to the runner's copies, written against the minified
// text. Applied as the boot code is read (isolated-sandbox.ts), all or none: an upgrade that moves
// one text boots the code as published (the test that checks each text is there goes red), and
// POSTMAN_POWER_ENGINE_PATCHES=off boots it as published too. What they replace runs inside the
// context only: nothing here reaches the runner, and a script sees the same values as before.
import { createHash } from 'node:crypto';
import { patchFile, type SourcePatch } from './source-patch.js';

export interface BootCodePatch extends SourcePatch {
  /** What it patches, for a test's name and an error. */
  name: string;
}

export const BOOT_CODE_PATCHES: readonly BootCodePatch[] = [
  // uniscope's exec (lib/index.js): the same lists, in the same order, from the same reads of the
  // context's globals, with Sets and a Map of names to positions instead of an indexOf per name. Every
  // list it walks holds each name once (own property names, and names pushed only when absent), so a
  // name's first position is its only one. `scopeLists` lives in uniscope's util, patched below.
  {
    name: 'uniscope exec',
    find: 'r.forEach(s,e=>{-1===l.indexOf(e)&&l.push(e)}),r.forEach(l,(e,t)=>{s.indexOf(e)>-1?(d[t]=u[e],p[e]=d[t]):(d[t]=void 0,r.has(p,e)&&delete p[e])}),r.forEach(h.concat(this._locals),e=>{const t=l.indexOf(e);t>-1&&(l.splice(t,1),d.splice(t,1))}),r.forOwn(this._imports,(e,t)=>{let n=l.indexOf(t);-1===n&&(n=l.length),l[n]=t,d[n]=e,p[t]=e}),r.forEach(f.concat(t.block||[]),e=>{let t=l.indexOf(e);-1===t&&(t=l.length),l[t]=e,d[t]=void 0,r.has(p,e)&&delete p[e]}),',
    replace: 'r.scopeLists(s,u,l,p,d,h.concat(this._locals),this._imports,f.concat(t.block||[])),',
  },
  // uniscope's util (lib/util.js): threeWayDiff (names in `t` found in neither `e` nor `n` are pushed
  // to `n`, once) by Sets, and the lists exec builds:
  //   allowed: the allowed globals the context lacks, appended;
  //   names, values and the scope object: an allowed name's context value, any other name undefined;
  //   the ignored and local names taken out, keeping the order of the rest;
  //   imports set (at the name's position, or appended), then blocked names set to undefined.
  {
    name: 'uniscope util',
    find: 'threeWayDiff(e,t,n){for(let r=0,a=t.length;r<a;r++)e.indexOf(t[r])+n.indexOf(t[r])===-2&&n.push(t[r])}',
    replace: `threeWayDiff(e,t,n){
      const known=new Set(e),added=new Set(n);
      for(let r=0,a=t.length;r<a;r++){const name=t[r];known.has(name)||added.has(name)||(n.push(name),added.add(name))}
    },
    scopeLists(allowed,context,names,scope,values,removed,imports,blocked){
      const present=new Set(names);
      for(let i=0;i<allowed.length;i++)present.has(allowed[i])||(present.add(allowed[i]),names.push(allowed[i]));
      const isAllowed=new Set(allowed);
      for(let i=0;i<names.length;i++){const name=names[i];isAllowed.has(name)?(values[i]=context[name],scope[name]=values[i]):(values[i]=void 0,this.has(scope,name)&&delete scope[name])}
      const dropped=new Set(removed);
      if(dropped.size){let kept=0;for(let i=0;i<names.length;i++)dropped.has(names[i])||(names[kept]=names[i],values[kept]=values[i],kept++);names.length=kept,values.length=kept}
      const at=new Map;
      for(let i=0;i<names.length;i++)at.has(names[i])||at.set(names[i],i);
      const place=name=>{let i=at.get(name);return void 0===i&&(i=names.length,at.set(name,i)),i};
      this.forOwn(imports,(value,name)=>{const i=place(name);names[i]=name,values[i]=value,scope[name]=value});
      for(let j=0;j<blocked.length;j++){const name=blocked[j],i=place(name);names[i]=name,values[i]=void 0,this.has(scope,name)&&delete scope[name]}
    }`,
  },
  // lodash's `has`, as engine-patches.ts changes it: a string key the object owns, or a plain non-index
  // key it does not own, answered without building a path (Re is lodash's hasOwnProperty, te its
  // reIsPlainProp, be its reIsUint, gi its hasPath, Cr its baseHas).
  {
    name: 'lodash has',
    find: 'qn.has=function(e,t){return null!=e&&gi(e,t,Cr)}',
    replace: 'qn.has=function(e,t){if("string"==typeof t&&null!=e){if(Re.call(e,t))return!0;if(te.test(t)&&!be.test(t))return!1}return null!=e&&gi(e,t,Cr)}',
  },
  // postman-collection's PropertyBase meta keys, as engine-patches.ts changes them: one for…in over
  // own and inherited enumerable keys instead of lodash's pickBy/mapKeys chain (a is its lodash).
  {
    name: 'postman-collection PropertyBase',
    find: 'var n=t&&t.info||t,r=a(n).pickBy(e.propertyIsMeta).mapKeys(e.propertyUnprefixMeta).value();a.keys(r).length&&(',
    replace: 'var n=t&&t.info||t,r={},metaFound=!1,metaKey;for(metaKey in n)metaKey.length<2||95!==metaKey.charCodeAt(0)||"__proto__"===metaKey||(r[a.trimStart(metaKey,"_")]=n[metaKey],metaFound=!0);metaFound&&(',
  },
];

/** Names the patched boot code in its code cache's identity: another patch set is another source. */
export const BOOT_CODE_PATCHES_DIGEST = createHash('sha256').update(JSON.stringify(BOOT_CODE_PATCHES)).digest('hex').slice(0, 16);

/**
 * The boot code to run: patched, unless POSTMAN_POWER_ENGINE_PATCHES=off or an upstream text is not
 * there exactly once (then as published).
 */
export function patchBootCode(code: string): { code: string; patched: boolean } {
  if (process.env.POSTMAN_POWER_ENGINE_PATCHES === 'off') return { code, patched: false };
  const patched = patchFile(code, BOOT_CODE_PATCHES);
  return patched === undefined ? { code, patched: false } : { code: patched, patched: true };
}
