import Atomistic
import Foundation

/// Where the seed structures of candidate sampling come from: a structure file, conformers of
/// SMILES, and whatever comes next (a generative model, a PDB file of a biomolecule).
///
/// Sampling takes the seeds of every source in order, then rattles, strains, rotates and runs
/// MD from them (`sampleCandidates`, `MDSampler`). To add a source, write one file with a type
/// that conforms, e.g.
///
///     public struct PDBSource: CandidateSource {
///       public var url: URL
///       public var description: String { url.path }
///       public func structures() throws -> [Structure] { … }   // atoms with hydrogens, Å
///     }
///
/// and give it to the sampler (`mlff sample`, `DistillRun.seeds()`) next to the others. Each
/// structure should say where it came from in its `info` (`mlff_source`, and
/// `mlff_source_where`: a file and line, used in messages about it).
public protocol CandidateSource {
  /// How the source is named in messages ("seeds.xyz", "2 SMILES of mols.smi").
  var description: String { get }
  /// The seed structures (Å; labels, when present, are dropped by the sampler).
  /// - Throws: an error naming the source and, where it can, the place in it that is wrong.
  func structures() throws -> [Structure]
}

/// Seeds read from an extended XYZ file.
public struct StructureFileSource: CandidateSource {
  /// The extxyz file.
  public var url: URL
  public init(url: URL) { self.url = url }
  public var description: String { url.path }
  public func structures() throws -> [Structure] { try ExtXYZ.read(url) }
}

/// Where a seed came from, for messages: its `mlff_source_where` info ("mols.smi:3") when it
/// has one, else `fallback` (typically "file, frame k").
public func seedLocation(_ structure: Structure, fallback: String) -> String {
  if case .string(let place)? = structure.info["mlff_source_where"] {
    if case .string(let smiles)? = structure.info["smiles"] { return "\(place) ('\(smiles)')" }
    return place
  }
  return fallback
}
