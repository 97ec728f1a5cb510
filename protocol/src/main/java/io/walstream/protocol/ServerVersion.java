package io.walstream.protocol;

/**
 * A server version as {@code server_version_num} (e.g. 150004 for 15.4, 90624 for 9.6.24), which decides the
 * syntax of some replication commands.
 */
public record ServerVersion(int versionNum) implements Comparable<ServerVersion> {

    public ServerVersion {
        if (versionNum < 70000) {
            throw new IllegalArgumentException("server_version_num: " + versionNum + " (expected: >= 70000)");
        }
    }

    /**
     * Parses the {@code server_version} parameter as the server reports it: {@code 16.1}, {@code 9.6.24},
     * {@code 17beta2}, {@code 18devel}, {@code 16.1 (Debian 16.1-1.pgdg120+1)}.
     */
    public static ServerVersion parse(String serverVersion) {
        int[] parts = new int[3];
        int count = 0;
        int i = 0;
        String s = serverVersion.strip();
        while (count < 3) {
            int start = i;
            while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
                i++;
            }
            if (i == start || i - start > 4) {
                break;
            }
            parts[count++] = Integer.parseInt(s, start, i, 10);
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
            } else {
                break;
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException("invalid server_version: \"" + serverVersion + "\" (expected: e.g. 16.1)");
        }
        // Like libpq: from 10 on the second number is the minor release; before, X.Y is the major.
        int num = parts[0] >= 10 ? parts[0] * 10000 + parts[1] : parts[0] * 10000 + parts[1] * 100 + parts[2];
        return new ServerVersion(num);
    }

    public static ServerVersion of(int versionNum) {
        return new ServerVersion(versionNum);
    }

    /** {@code versionNum / 10000}: 15 for 15.4, and 9 for every 9.x release. */
    public int major() {
        return versionNum / 10000;
    }

    public boolean isAtLeast(int otherVersionNum) {
        return versionNum >= otherVersionNum;
    }

    @Override
    public int compareTo(ServerVersion other) {
        return Integer.compare(versionNum, other.versionNum);
    }

    @Override
    public String toString() {
        return versionNum >= 100000
            ? major() + "." + versionNum % 10000
            : major() + "." + versionNum / 100 % 100 + "." + versionNum % 100;
    }
}
