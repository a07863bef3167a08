import Foundation

/// The distribution functions the tests need, written out (no dependency): normal, Student t, the exact
/// distribution of Wilcoxon's signed-rank statistic, and the noncentral t for power.
public enum Distributions {
    /// P(Z <= z) for the standard normal.
    public static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// P(Z > z), accurate in the far tail.
    public static func normalSurvival(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

    /// The p-quantile of the standard normal (bisection on the CDF to 1e-15).
    public static func normalQuantile(_ p: Double) -> Double {
        invert(p, low: -40, high: 40, normalCDF)
    }

    /// Regularized incomplete beta I_x(a, b), by its continued fraction (Lentz's method).
    public static func incompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let front = exp(logGammas + logPowers)
        // The fraction converges fast for x < (a + 1) / (a + b + 2); otherwise use the symmetry.
        if x > (a + 1) / (a + b + 2) { return 1 - incompleteBeta(1 - x, b, a) }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        for m in 1...10_000 {
            let m = Double(m)
            var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            for step in 0..<2 {
                d = 1 + numerator * d
                if abs(d) < tiny { d = tiny }
                c = 1 + numerator / c
                if abs(c) < tiny { c = tiny }
                d = 1 / d
                f *= c * d
                numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
                if step == 1, abs(c * d - 1) < 1e-15 { return front * f / a }
            }
        }
        return front * f / a
    }

    /// P(T <= t) for Student's t with `degreesOfFreedom`.
    public static func studentTCDF(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        let tail = 0.5 * incompleteBeta(nu / (nu + t * t), nu / 2, 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// P(|T| >= |t|), the two-sided p-value of a t statistic.
    public static func studentTTwoSided(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        incompleteBeta(nu / (nu + t * t), nu / 2, 0.5)
    }

    /// The p-quantile of Student's t with `degreesOfFreedom` (bisection on the CDF).
    public static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        invert(p, low: -1e4, high: 1e4) { studentTCDF($0, degreesOfFreedom: nu) }
    }

    /// P(T' > c) for the noncentral t with `degreesOfFreedom` and noncentrality `delta`:
    /// the integral over u of P(Z > c u / sqrt(nu) - delta) times the chi density of u (Simpson's rule).
    public static func noncentralTSurvival(_ c: Double, degreesOfFreedom nu: Double, noncentrality delta: Double) -> Double {
        let logNormaliser = (nu / 2 - 1) * log(2) + lgamma(nu / 2)
        func chiDensity(_ u: Double) -> Double {
            u <= 0 ? (nu == 1 ? exp(-logNormaliser) : 0) : exp((nu - 1) * log(u) - u * u / 2 - logNormaliser)
        }
        let upper = nu.squareRoot() + 12, steps = 4000
        let h = upper / Double(steps)
        var sum = 0.0
        for i in 0...steps {
            let u = Double(i) * h
            let weight: Double = i == 0 || i == steps ? 1 : (i % 2 == 1 ? 4 : 2)
            sum += weight * normalSurvival(c * u / nu.squareRoot() - delta) * chiDensity(u)
        }
        return sum * h / 3
    }

    /// Number of subsets of the ranks 1...n with each rank sum, 0...n(n+1)/2: the null distribution of the
    /// signed-rank statistic (every subset equally likely) times 2^n. Exact in Double up to n = 50.
    static func signedRankCounts(_ n: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: n * (n + 1) / 2 + 1)
        counts[0] = 1
        for rank in 1...max(1, n) where n > 0 {
            for sum in stride(from: counts.count - 1, through: rank, by: -1) { counts[sum] += counts[sum - rank] }
        }
        return counts
    }

    /// The x where the increasing function `f` reaches p, by bisection.
    static func invert(_ p: Double, low: Double, high: Double, _ f: (Double) -> Double) -> Double {
        var (a, b) = (low, high)
        for _ in 0..<200 {
            let middle = (a + b) / 2
            if f(middle) < p { a = middle } else { b = middle }
            if b - a < 1e-15 * max(1, abs(middle)) { break }
        }
        return (a + b) / 2
    }
}
