package io.walstream.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.protocol.TimelineHistory.Entry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

final class TimelineHistoryTest {

    // What a server writes into 00000004.history after three promotions.
    private static final String HISTORY_OF_4 = "1\t0/3000158\tno recovery target specified\n"
        + "\n"
        + "2\t0/5000000\tat restore point \"before_upgrade\"\n"
        + "3\t1/A0000A0\tbefore transaction 1234\n";

    @Test
    void parsesARealLookingFile() {
        TimelineHistory history = TimelineHistory.parse(4, HISTORY_OF_4.getBytes(StandardCharsets.UTF_8));
        assertThat(history.timeline()).isEqualTo(4);
        assertThat(history.entries()).containsExactly(
            new Entry(1, Lsn.parse("0/3000158"), "no recovery target specified"),
            new Entry(2, Lsn.parse("0/5000000"), "at restore point \"before_upgrade\""),
            new Entry(3, Lsn.parse("1/A0000A0"), "before transaction 1234"));
    }

    @Test
    void answersWhichTimelineHoldsAnLsn() {
        TimelineHistory history = TimelineHistory.parse(4, HISTORY_OF_4);
        assertThat(history.timelineOf(Lsn.INVALID)).isEqualTo(1);
        assertThat(history.timelineOf(Lsn.parse("0/3000157"))).isEqualTo(1);
        assertThat(history.timelineOf(Lsn.parse("0/3000158"))).isEqualTo(2); // the switch point starts the next timeline
        assertThat(history.timelineOf(Lsn.parse("0/4FFFFFF"))).isEqualTo(2);
        assertThat(history.timelineOf(Lsn.parse("0/5000000"))).isEqualTo(3);
        assertThat(history.timelineOf(Lsn.parse("1/A0000A0"))).isEqualTo(4);
        assertThat(history.timelineOf(Lsn.parse("FFFFFFFF/FFFFFFFF"))).isEqualTo(4);
    }

    @Test
    void answersSwitchPoints() {
        TimelineHistory history = TimelineHistory.parse(4, HISTORY_OF_4);
        assertThat(history.switchPoint(1)).contains(Lsn.parse("0/3000158"));
        assertThat(history.switchPoint(3)).contains(Lsn.parse("1/A0000A0"));
        assertThat(history.switchPoint(4)).isEmpty();
        assertThat(history.contains(2)).isTrue();
        assertThat(history.contains(5)).isFalse();
        assertThatThrownBy(() -> history.switchPoint(5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void skipsCommentsBlankLinesAndCarriageReturns() {
        TimelineHistory history = TimelineHistory.parse(3, "# written by hand\r\n  \n1\t0/3000158\treason one\r\n\t# indented comment\n2\t0/03000158\n");
        assertThat(history.entries()).containsExactly(
            new Entry(1, Lsn.parse("0/3000158"), "reason one"),
            new Entry(2, Lsn.parse("0/3000158"), ""));
        assertThat(TimelineHistory.parse(1, "")).isEqualTo(TimelineHistory.initial());
    }

    @Test
    void rejectsTimelinesThatDoNotIncrease() {
        assertThatThrownBy(() -> TimelineHistory.parse(5, "1\t0/3000000\ta\n3\t0/4000000\tb\n2\t0/5000000\tc\n"))
            .isInstanceOf(TimelineHistoryException.class)
            .hasMessage("timeline history of timeline 5, line 3: timeline IDs must be in increasing sequence: \"2\t0/5000000\tc\"")
            .satisfies(e -> assertThat(((TimelineHistoryException) e).lineNumber()).isEqualTo(3));
    }

    @Test
    void rejectsSwitchPointsThatGoBack() {
        assertThatThrownBy(() -> TimelineHistory.parse(3, "1\t0/5000000\ta\n\n2\t0/4000000\tb\n"))
            .isInstanceOf(TimelineHistoryException.class)
            .hasMessageContaining("line 3: switch points must not decrease");
    }

    @Test
    void rejectsAncestorsNotBelowTheOwnTimeline() {
        assertThatThrownBy(() -> TimelineHistory.parse(2, "1\t0/3000000\ta\n2\t0/4000000\tb\n"))
            .isInstanceOf(TimelineHistoryException.class)
            .hasMessageContaining("line 2: timeline IDs must be less than the file's own timeline 2");
    }

    @Test
    void rejectsMalformedLines() {
        assertThatThrownBy(() -> TimelineHistory.parse(2, "one\t0/3000000\n"))
            .isInstanceOf(TimelineHistoryException.class)
            .hasMessageContaining("line 1: expected a numeric timeline ID");
        assertThatThrownBy(() -> TimelineHistory.parse(2, "# c\n1\n"))
            .isInstanceOf(TimelineHistoryException.class)
            .hasMessageContaining("line 2: expected a write-ahead log switchpoint location");
        assertThatThrownBy(() -> TimelineHistory.parse(2, "1\t0-3000000\tx\n"))
            .isInstanceOf(TimelineHistoryException.class)
            .hasMessageContaining("line 1: expected a write-ahead log switchpoint location");
        assertThatThrownBy(() -> TimelineHistory.parse(2, "0\t0/3000000\tx\n"))
            .isInstanceOf(TimelineHistoryException.class)
            .hasMessageContaining("timeline ID out of range");
    }
}
