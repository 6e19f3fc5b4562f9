// The injectable clock: everything time-based in core asks a Clock, never the wall clock, so
// tests (and `--as-of`) can set the date.
#pragma once

#include "sopvault/core/Types.h"

namespace sopvault::core {

class Clock
{
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock
{
public:
    [[nodiscard]] Timestamp now() const override;
};

// A clock that says what it is told; tests move it forward by hand.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(Timestamp start) : m_now(start) {}
    [[nodiscard]] Timestamp now() const override { return m_now; }
    void set(Timestamp t) { m_now = t; }
    void advance(std::int64_t seconds) { m_now += seconds; }

private:
    Timestamp m_now;
};

} // namespace sopvault::core
