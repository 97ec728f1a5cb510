package io.walstream.replaysim.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.protocol.PgEpoch;
import io.walstream.replaysim.ApplyCosts;
import io.walstream.replaysim.StandbySettings;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@code simulate --validate} simulates with: the options' settings per scenario, the real standby's progress
 * timer and cancellation spacing from its log, and the apply costs its calibration bursts give.
 */
class ValidationModelTest {

    @Test
    void theSimulatorRunsWithTheGivenCostsAndFeedbackStartPerScenario() {
        StandbySettings model = StandbySettings.defaults().withCancelCost(12_000).withApplyCost(7)
                .withDeadlockTimeout(250_000);
        ValidationRun.Scenario scenario = new ValidationRun.Scenario("1s", 1_000_000, true);
        StandbySettings s = ValidationRun.settingsFor(scenario, model, 2.5, 100_000_000, 3_000_000);
        assertThat(s).isEqualTo(model.withDelay(1_000_000).withFeedback(true).withStatusInterval(1_000_000)
                .withProgressTimer(10_000_000, 3_000_000).withFeedbackSince(102_500_000));
        // without --feedback-since: one status interval after the first receipt, as before
        assertThat(ValidationRun.settingsFor(scenario, model, null, 100_000_000, 3_000_000).feedbackSinceMicros())
                .isEqualTo(StandbySettings.FEEDBACK_AFTER_FIRST_STATUS);
        // --progress-interval 0: no timer, whatever the phase
        assertThat(ValidationRun.settingsFor(scenario, model.withProgressTimer(0, 0), null, 0, 3_000_000)
                .progressTimerMicros()).isZero();
    }

    @Test
    void theStandbysLogGivesItsRedoStartAndHowFarApartItCancelled() {
        String log = """
                2026-12-05 03:37:38.144 UTC [21973] LOG:  entering standby mode
                2026-12-05 03:37:38.158 UTC [21973] LOG:  redo starts at 0/4000028
                2026-12-05 03:39:07.446 UTC [22291] walstream-validate-reader ERROR:  canceling statement due to conflict with recovery
                2026-12-05 03:39:07.446 UTC [22291] walstream-validate-reader DETAIL:  User query might have needed to see row versions that must be removed.
                2026-12-05 03:39:07.451 UTC [22292] walstream-validate-reader ERROR:  canceling statement due to conflict with recovery
                2026-12-05 03:39:07.457 UTC [22293] walstream-validate-reader FATAL:  terminating connection due to conflict with recovery
                2026-12-05 03:39:09.670 UTC [22291] walstream-validate-reader ERROR:  canceling statement due to conflict with recovery
                """;
        assertThat(StandbyLog.redoStarted(log)).isEqualTo(PgEpoch.fromInstant(Instant.parse("2026-12-05T03:37:38.158Z")));
        // 5 and 6 ms apart; the 2.2 s to the next one is another wait, not counted
        assertThat(StandbyLog.meanCancellationSpacingMicros(log)).isEqualTo(5_500);
        assertThat(StandbyLog.meanCancellationSpacingMicros("")).isZero();
        assertThatThrownBy(() -> StandbyLog.redoStarted("")).hasMessageContaining("redo starts at");
    }

    @Test
    void theCostsPerResourceManagerAndPerKiBAreWhatExplainsTheBurstsOfOneKind() {
        // made with 0.5 us a Heap record, 0.4 us a Btree record, 2.5 us any other, 4 us a KiB of WAL
        List<ReplayCalibration.Burst> oneKind = List.of(
                new ReplayCalibration.Burst("commits", Map.of("Transaction", 20_000L), 800 * 1024, 53_200),
                new ReplayCalibration.Burst("heap inserts", Map.of("Heap", 100_000L), 5_000 * 1024, 70_000),
                new ReplayCalibration.Burst("btree inserts", Map.of("Heap", 50_000L, "Btree", 50_000L), 6_000 * 1024,
                        69_000),
                new ReplayCalibration.Burst("full pages", Map.of("Heap", 2_000L, "Transaction", 2L), 16_000 * 1024,
                        65_005));
        ApplyCosts costs = ReplayCalibration.costs(oneKind);
        assertThat(costs).isEqualTo(new ApplyCosts(2_500, Map.of("Heap", 500L, "Heap2", 500L, "Btree", 400L,
                "Transaction", 2_500L), 4_000));
        ReplayCalibration.Burst mixed = new ReplayCalibration.Burst("workload",
                Map.of("Heap", 1_000L, "Btree", 1_000L, "Transaction", 1_000L, "XLOG", 10L), 100 * 1024, 0);
        assertThat(new ReplayCalibration.Result(List.of(mixed), costs).predictedMicros(mixed)).isEqualTo(3_825.0);
    }
}
