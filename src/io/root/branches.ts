// Which TTree branches cowloop reads, and what type each one holds. Only kinds whose values
// were checked against an independent reader are read: a kind jsroot gets wrong (unsplit
// TVector2/TVector3, Char_t[3] read as text), refuses (Double32_t, Float16_t) or cannot read
// at all (vectors with a custom allocator) is named in an error, never read as garbage.

/** What cowloop knows of one top-level branch. */
export interface BranchInfo {
  name: string;
  /** ROOT's name for its type: "Float_t", "Int_t[NJet]", "Double_t[3]", "vector<float>", "string". */
  type: string;
  /** Why it is not read; undefined when it is. */
  unreadable?: string;
  /** Entry where each basket starts (for aligning reads to baskets). */
  basketEntries: number[];
}

interface Leaf {
  _typename: string;
  fName: string;
  fTitle: string;
  fLen: number;
  fIsUnsigned?: boolean;
  fLeafCount?: { fName: string } | null;
}

interface Branch {
  _typename: string;
  fName: string;
  fClassName?: string;
  fType?: number;
  fEntries: number;
  fWriteBasket: number;
  fBasketEntry: ArrayLike<number>;
  fLeaves: { arr: Leaf[] };
  fBranches?: { arr: Branch[] };
}

/** Leaf classes and their ROOT type names (signed, unsigned). */
const LEAF_TYPES: Record<string, [string, string]> = {
  TLeafO: ['Bool_t', 'Bool_t'],
  TLeafB: ['Char_t', 'UChar_t'],
  TLeafS: ['Short_t', 'UShort_t'],
  TLeafI: ['Int_t', 'UInt_t'],
  TLeafL: ['Long64_t', 'ULong64_t'],
  TLeafG: ['Long_t', 'ULong_t'],
  TLeafF: ['Float_t', 'Float_t'],
  TLeafD: ['Double_t', 'Double_t'],
};

const REFUSED_LEAVES: Record<string, string> = {
  TLeafD32: 'Double32_t',
  TLeafF16: 'Float16_t',
};

/** Element types of std::vector branches read as arrays. */
const VECTOR_ELEMENTS = new Set([
  'bool', 'char', 'unsigned char', 'short', 'unsigned short', 'int', 'unsigned int', 'long', 'unsigned long',
  'long long', 'unsigned long long', 'Long64_t', 'ULong64_t', 'float', 'double',
  'Bool_t', 'Char_t', 'UChar_t', 'Short_t', 'UShort_t', 'Int_t', 'UInt_t', 'Float_t', 'Double_t',
]);

export function describeBranches(tree: { fBranches: { arr: Branch[] } }): BranchInfo[] {
  return tree.fBranches.arr.map(describeBranch);
}

function describeBranch(branch: Branch): BranchInfo {
  const basketEntries = Array.from(branch.fBasketEntry).slice(0, Math.max(1, branch.fWriteBasket));
  const info = (type: string, unreadable?: string): BranchInfo => ({ name: branch.fName, type, unreadable, basketEntries });
  const subBranches = branch.fBranches?.arr.length ?? 0;
  if (branch._typename === 'TBranchElement') {
    const cls = (branch.fClassName ?? '').replace(/\s+/g, ' ').trim();
    const element = /^(?:std::)?vector<\s*([^<>,]+?)\s*>$/.exec(cls)?.[1];
    if (element && VECTOR_ELEMENTS.has(element) && subBranches === 0) return info(cls);
    return info(cls || 'an object', subBranches > 0
      ? 'split objects are not read; read their numeric sub-branches from a flat tree'
      : 'objects and vectors of anything but numbers are not read (jsroot 7.11 reads some of them wrongly)');
  }
  if (branch._typename !== 'TBranch') return info(branch._typename, 'only TBranch and TBranchElement branches are read');
  const leaves = branch.fLeaves.arr;
  if (leaves.length !== 1) {
    return info(`leaf list ${leaves.map((l) => l.fName).join(':')}`, 'branches with several leaves are not read; write one leaf per branch');
  }
  const leaf = leaves[0];
  if (leaf._typename === 'TLeafC') return info('string');
  const refused = REFUSED_LEAVES[leaf._typename];
  if (refused) return info(refused, `${refused} leaves are not read (jsroot 7.11 refuses them)`);
  const names = LEAF_TYPES[leaf._typename];
  if (!names) return info(leaf._typename, `${leaf._typename} leaves are not read`);
  const base = names[leaf.fIsUnsigned ? 1 : 0];
  const dims = (leaf.fTitle.match(/\[[^\]]*\]/g) ?? []).length;
  if (dims > 1) return info(`${base}${leaf.fTitle.slice(leaf.fTitle.indexOf('['))}`, 'multi-dimensional arrays are not read');
  if (leaf.fLeafCount) return info(`${base}[${leaf.fLeafCount.fName}]`);
  if (leaf.fLen > 1) {
    const type = `${base}[${leaf.fLen}]`;
    // jsroot 7.11 reads a fixed Char_t array as a string, which would change its values.
    if (base === 'Char_t') return info(type, 'fixed-size Char_t arrays are not read (jsroot 7.11 reads them as text)');
    return info(type);
  }
  return info(base);
}
