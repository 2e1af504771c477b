package io.tributary.ops.cli;

import picocli.CommandLine;

/** A rate as a fraction ({@code 0.001}) or a percentage ({@code 0.1%}), between 0 and 1: {@code --max-mismatch-rate}. */
final class RateConverter implements CommandLine.ITypeConverter<Double> {
    @Override
    public Double convert(String text) {
        return rate(text);
    }

    static double rate(String text) {
        String t = text.strip();
        boolean percent = t.endsWith("%");
        double v;
        try {
            v = Double.parseDouble(percent ? t.substring(0, t.length() - 1).strip() : t);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a rate: give a fraction such as 0.001 or a percentage such as 0.1%");
        }
        double rate = percent ? v / 100 : v;
        if (!(rate >= 0 && rate <= 1)) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a rate between 0 and 1 (0% and 100%)");
        }
        return rate;
    }
}
