namespace AgentCron.TestKit;

/// <summary>
/// A clock that moves only when told. Timers created on it (Task.Delay(d, time), CancellationTokenSource(d, time))
/// fire, in order, when <see cref="Advance"/> passes their due time.
/// </summary>
/// <remarks>
/// Why not Microsoft.Extensions.TimeProvider.Testing's <c>FakeTimeProvider</c>: its <c>Advance</c> sets the clock to the
/// end first and then fires every timer due meanwhile, each seeing the end time — what <see cref="Jump"/> does here. The
/// engine tests also need time that passes, where each timer fires at its own instant (a heartbeat renews a lease before
/// a later timeout fires), and a way to know that a loop is asleep before the clock moves (<see cref="WaitForTimerAsync"/>):
/// a loop that registers its timer only after the clock has passed its due time waits forever. Its waiters are internal.
/// </remarks>
public sealed class FakeTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<FakeTimer> _timers = [];
    private readonly List<(DateTimeOffset Due, TaskCompletionSource Registered)> _watchers = [];
    private DateTimeOffset _now = start;

    public FakeTimeProvider()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>
    /// Moves the clock forward, firing every timer that comes due on the way, each at its own instant. Loops running on
    /// other threads meanwhile may read any of those instants: a test whose loops run moves the clock with <see cref="Jump"/>.
    /// </summary>
    public void Advance(TimeSpan by)
    {
        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + by;
        }

        while (true)
        {
            FakeTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.DueAt is { } due && due <= target).MinBy(t => t.DueAt);
                if (next is null)
                {
                    _now = target;
                    return;
                }

                _now = next.DueAt!.Value > _now ? next.DueAt.Value : _now;
                next.Reschedule(_now);
            }

            next.Fire();
        }
    }

    public void SetUtcNow(DateTimeOffset now) => Advance(now - GetUtcNow());

    /// <summary>
    /// Moves the clock forward at once, as it does for a process when the machine wakes from sleep: every timer that came
    /// due meanwhile fires once, late, and sees the new time (a periodic one is next due a period after it).
    /// </summary>
    public void Jump(TimeSpan by)
    {
        List<FakeTimer> due;
        lock (_gate)
        {
            _now += by;
            due = [.. _timers.Where(t => t.DueAt is { } at && at <= _now).OrderBy(t => t.DueAt)];
            foreach (var timer in due)
            {
                timer.Reschedule(_now);
            }
        }

        foreach (var timer in due)
        {
            timer.Fire();
        }
    }

    /// <summary>
    /// Completes once a timer is due at <paramref name="dueAt"/>: the loop that sleeps until then is asleep, so moving the
    /// clock past that instant now wakes it. Fails when no such timer appears within a generous 30 s of real time (loops
    /// run on the thread pool), naming <paramref name="what"/> it waited for.
    /// </summary>
    public async Task WaitForTimerAsync(DateTimeOffset dueAt, string what)
    {
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = (dueAt, registered);
        lock (_gate)
        {
            if (_timers.Any(t => t.DueAt == dueAt))
            {
                return;
            }

            _watchers.Add(watcher);
        }

        var limit = TimeSpan.FromSeconds(30);
        try
        {
            await registered.Task.WaitAsync(limit, TimeProvider.System);
        }
        catch (TimeoutException)
        {
            string timers;
            lock (_gate)
            {
                timers = string.Join(", ", _timers.Select(t => t.DueAt?.ToString("O") ?? "idle"));
            }

            throw new TimeoutException($"gave up after {limit.TotalSeconds:0.#} s waiting for {what} (a timer due at {dueAt:O}); the clock is at {GetUtcNow():O}, timers: [{timers}]");
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Called under the lock when a timer is (re)armed: completes the waits that were looking for it.</summary>
    private void Armed(DateTimeOffset due)
    {
        foreach (var watcher in _watchers.Where(w => w.Due == due))
        {
            watcher.Registered.TrySetResult();
        }
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                _period = period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
                if (!owner._timers.Contains(this))
                {
                    owner._timers.Add(this);
                }

                if (DueAt is { } due)
                {
                    owner.Armed(due);
                }
            }

            return true;
        }

        /// <summary>Called under the owner's lock just before firing: periodic timers move on, one-shot timers stop.</summary>
        public void Reschedule(DateTimeOffset now)
        {
            DueAt = _period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero ? null : now + _period;
            if (DueAt is { } due)
            {
                owner.Armed(due);
            }
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
