"""Independent reference for RandomGenerator: SplitMix64 seeding + xoshiro256** (Blackman & Vigna), Lemire's
bounded integers and the Fisher-Yates shuffle. Prints the values pinned in RandomGeneratorTests.swift.
Run: python3 xoshiro_reference.py"""
M = (1 << 64) - 1

def splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)

def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M

def xoshiro(seed, n):
    s, state = [], seed
    for _ in range(4):
        state, value = splitmix(state)
        s.append(value)
    out = []
    for _ in range(n):
        out.append((rotl((s[1] * 5) & M, 7) * 9) & M)
        t = (s[1] << 17) & M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out

class Generator:
    def __init__(self, seed):
        self.s, state = [], seed
        for _ in range(4):
            state, value = splitmix(state)
            self.s.append(value)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, bound):
        product = self.next() * bound
        if product & M < bound:
            threshold = ((1 << 64) - bound) % bound
            while product & M < threshold:
                product = self.next() * bound
        return product >> 64

    def permutation(self, n):
        a = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.below(i + 1)
            a[i], a[j] = a[j], a[i]
        return a

if __name__ == "__main__":
    print(xoshiro(0, 3))
    print(Generator(42).permutation(10))
    g = Generator(5)
    print([g.below(b) for b in (1, 2, 3, 10, 1000, 2**40 + 7)])
