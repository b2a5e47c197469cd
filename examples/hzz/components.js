// The HZZ example's components: Z candidates from muon pairs, read from a ROOT TTree
// (uproot-HZZ.root's "events": Muon_Px[NMuon], Muon_Py, Muon_Pz, Muon_E, Muon_Charge).
const { Algorithm, prop } = require('cowloop');

const Z_MASS = 91.1876; // GeV

/** Invariant mass and transverse momentum of muons i and j of an event. */
function pairOf(d, i, j) {
  const e = d.Muon_E[i] + d.Muon_E[j];
  const px = d.Muon_Px[i] + d.Muon_Px[j];
  const py = d.Muon_Py[i] + d.Muon_Py[j];
  const pz = d.Muon_Pz[i] + d.Muon_Pz[j];
  const m2 = e * e - px * px - py * py - pz * pz;
  return { mass: Math.sqrt(Math.max(0, m2)), pt: Math.hypot(px, py) };
}

/**
 * Every opposite-charge muon pair is a Z candidate; the one whose mass is nearest the Z's
 * is the event's. Puts nMuons, nPairs, zMass and zPt (null without a pair) in the store,
 * and the pairs' masses for the monitor.
 */
class ZCandidates extends Algorithm {
  static properties = {
    MinMuonPt: prop.number(5, 'muons below this transverse momentum [GeV] are not paired', { min: 0 }),
  };

  execute(ctx) {
    const d = ctx.data;
    const n = d.NMuon;
    const good = [];
    for (let i = 0; i < n; i++) if (Math.hypot(d.Muon_Px[i], d.Muon_Py[i]) >= this.props.MinMuonPt) good.push(i);
    const pairs = [];
    let best = null;
    for (let a = 0; a < good.length; a++) {
      for (let b = a + 1; b < good.length; b++) {
        const i = good[a];
        const j = good[b];
        if (d.Muon_Charge[i] + d.Muon_Charge[j] !== 0) continue;
        const pair = pairOf(d, i, j);
        pairs.push(pair);
        if (!best || Math.abs(pair.mass - Z_MASS) < Math.abs(best.mass - Z_MASS)) best = pair;
      }
    }
    ctx.store.put('nMuons', n);
    ctx.store.put('Muon_Charge', d.Muon_Charge); // a branch, written as it was read
    ctx.store.put('pairs', pairs);
    ctx.store.put('nPairs', pairs.length);
    ctx.store.put('zMass', best ? round(best.mass) : null);
    ctx.store.put('zPt', best ? round(best.pt) : null);
  }
}

/** Fills the dimuon mass (every pair), the Z candidate's pT, and mass against pT. */
class ZMonitor extends Algorithm {
  initialize() {
    const h = this.service('HistogramSvc');
    this.mass = h.book1D('hzz/dimuon_mass', 'opposite-charge dimuon mass [GeV]', 60, 0, 120);
    this.pt = h.book1D('hzz/z_pt', 'Z candidate pT [GeV]', 50, 0, 100);
    this.massPt = h.book2D('hzz/z_mass_pt', 'Z candidate mass [GeV] vs pT [GeV]', 30, 60, 120, 25, 0, 100);
    this.nMuons = h.book1D('hzz/n_muons', 'muons per event', 8, 0, 8);
  }

  execute(ctx) {
    this.nMuons.fill(ctx.store.require('nMuons'));
    for (const p of ctx.store.require('pairs')) this.mass.fill(p.mass);
    const m = ctx.store.require('zMass');
    if (m === null) return;
    const pt = ctx.store.require('zPt');
    this.pt.fill(pt);
    this.massPt.fill(m, pt);
  }
}

/** Six significant digits keep the output short and readable. */
function round(x) {
  return Number(x.toPrecision(6));
}

const components = [ZCandidates, ZMonitor];

module.exports = { components, ZCandidates, ZMonitor };
