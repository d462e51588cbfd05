// swift-tools-version:6.0
// MLFF Distiller: distil a large machine-learned force field into a small, fast PaiNN student.
import PackageDescription

let package = Package(
  name: "MLFFDistiller",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "mlff", targets: ["mlff"]),
    .library(name: "Basics", targets: ["Basics"]),
    .library(name: "Atomistic", targets: ["Atomistic"]),
    .library(name: "Autodiff", targets: ["Autodiff"]),
    .library(name: "Potentials", targets: ["Potentials"]),
    .library(name: "PaiNN", targets: ["PaiNN"]),
    .library(name: "Serving", targets: ["Serving"]),
    // libmlff: the C ABI of a trained student, built as libmlff_c.so (the name `mlff` is the
    // executable's); header include/mlff.h; docs/deploy.md.
    .library(name: "mlff_c", type: .dynamic, targets: ["MLFFC"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
  ],
  targets: [
    // MARK: C shims (system libraries found with pkg-config)
    .systemLibrary(
      name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "pkg-config"])]),
    .systemLibrary(
      name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
      providers: [.apt(["libhdf5-dev", "pkg-config"])]),
    // MPI for data-parallel training, loaded with dlopen when mlff runs under mpirun: the build
    // needs no MPI headers and a run without mpirun loads no MPI (docs/cluster.md).
    .target(name: "CMPI", path: "Sources/CMPI"),

    // MARK: Foundation layer (seeded random numbers, locks; imports nothing of the project)
    .target(name: "Basics"),

    // MARK: Core layers
    .target(
      name: "Atomistic",
      dependencies: [.product(name: "Collections", package: "swift-collections")]),
    .target(
      name: "Autodiff",
      dependencies: [
        "Basics",
        .target(name: "CBLAS", condition: .when(platforms: [.linux])),
        .product(name: "Numerics", package: "swift-numerics"),
      ]),
    .target(name: "Reporting", dependencies: ["Basics"]),
    .target(name: "Potentials", dependencies: ["Atomistic"]),
    .target(name: "PotentialTesting", dependencies: ["Atomistic", "Basics", "Potentials"]),

    // MARK: Student, teacher, data
    .target(
      name: "PaiNN",
      dependencies: ["Autodiff", "Atomistic", "Basics", "Potentials", .target(name: "CBLAS", condition: .when(platforms: [.linux]))]),
    .target(name: "Teacher", dependencies: ["Atomistic", "Basics", "Potentials"]),
    .target(name: "Datasets", dependencies: ["Atomistic", "Basics", "CHDF5"]),

    // MARK: Training, dynamics, serving, the whole chain
    .target(
      name: "Training",
      dependencies: ["Autodiff", "Atomistic", "Basics", "CMPI", "Potentials", "PaiNN", "Datasets", "Reporting"]),
    .target(name: "Dynamics", dependencies: ["Atomistic", "Basics", "Potentials", "Reporting"]),
    .target(name: "Serving", dependencies: ["Atomistic", "Potentials"]),
    .target(
      name: "Distillation",
      dependencies: [
        "Atomistic", "Basics", "Potentials", "PaiNN", "Teacher", "Datasets", "Training", "Dynamics",
        "Reporting", .product(name: "TOMLKit", package: "TOMLKit"),
      ]),

    // MARK: C library (libmlff)
    // The header C callers compile against, as a module so that the Swift side is checked
    // against it.
    .systemLibrary(name: "CMLFF", path: "include"),
    .target(name: "MLFFC", dependencies: ["CMLFF", "Atomistic", "PaiNN", "Potentials"]),

    // MARK: Command line
    .executableTarget(
      name: "mlff",
      dependencies: [
        "Atomistic", "Autodiff", "Basics", "Potentials", "PaiNN", "Teacher", "Datasets", "Training",
        "Dynamics", "Reporting", "Distillation", "Serving",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // MARK: Tests
    .testTarget(name: "BasicsTests", dependencies: ["Basics"]),
    .testTarget(
      name: "AtomisticTests",
      dependencies: ["Atomistic", "Basics", .product(name: "Collections", package: "swift-collections")],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "AutodiffTests", dependencies: ["Autodiff"]),
    .testTarget(name: "PotentialsTests", dependencies: ["Atomistic", "Potentials", "PotentialTesting"]),
    .testTarget(name: "PaiNNTests", dependencies: ["Atomistic", "Autodiff", "Basics", "Potentials", "PotentialTesting", "PaiNN"]),
    .testTarget(name: "TeacherTests", dependencies: ["Atomistic", "Basics", "Potentials", "Teacher"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Atomistic", "Basics", "CHDF5", "Datasets"]),
    .testTarget(name: "TrainingTests", dependencies: ["Atomistic", "Autodiff", "PaiNN", "Potentials", "Datasets", "Training"]),
    .testTarget(name: "DynamicsTests", dependencies: ["Atomistic", "Potentials", "Dynamics", "PaiNN"]),
    .testTarget(name: "ReportingTests", dependencies: ["Reporting"]),
    .testTarget(name: "ServingTests", dependencies: ["Atomistic", "PaiNN", "Potentials", "Serving"]),
    .testTarget(
      name: "DistillationTests",
      dependencies: ["Atomistic", "Datasets", "Distillation", "Dynamics", "PaiNN", "Potentials", "Teacher", "Training"]),
    .testTarget(name: "CLITests", dependencies: ["Atomistic", "PaiNN", "Training"]),
    .testTarget(name: "MLFFCTests", dependencies: ["Atomistic", "PaiNN", "Potentials"], exclude: ["Programs"]),
  ],
  swiftLanguageModes: [.v6]
)
