using TorchSharp;

namespace Pipeline.Trainer.Runtime;

/// <summary>
/// Scalars made once and held for the life of the process, for libtorch calls on hot paths.
/// </summary>
/// <remarks>
/// libtorch reads a <see cref="Scalar"/> during the native call it is passed to. One made by an implicit conversion
/// (<c>tensor + tensor</c> passes <c>alpha = 1</c>; <c>tensor * 0.5</c>; <c>clamp_(0, max)</c>) is unreachable once
/// its handle is read, so a garbage collection on another thread can run its finalizer and free it mid-call (a CI
/// run died with "Expected false to be true ... toFloat at c10/core/Scalar.h"). Static fields keep these alive and
/// libtorch only reads them, so every thread may share them. A value that changes (a learning rate, a count) is
/// made with <c>ToScalar()</c> in a <c>using</c>, which holds it until the call has returned.
/// <c>TorchScalarAuditTests</c> checks the IL of every project for scalars nobody holds.
/// </remarks>
public static class HeldScalars
{
    /// <summary>0, e.g. the start of <c>arange</c> or a lower clamp.</summary>
    public static Scalar Zero { get; } = 0.ToScalar();

    /// <summary>1, the <c>alpha</c> of a plain <c>add</c> or <c>sub</c>, the step of <c>arange</c>.</summary>
    public static Scalar One { get; } = 1.ToScalar();

    /// <summary>0.5, e.g. the mean of two losses.</summary>
    public static Scalar Half { get; } = 0.5.ToScalar();

    /// <summary>2.</summary>
    public static Scalar Two { get; } = 2.ToScalar();
}
