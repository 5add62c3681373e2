package orchestrator.scheduler.cron;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;

import java.util.BitSet;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Thread safe (cron-utils parsers and descriptors are stateless after construction): plain-English descriptions
 * of expressions, by cron-utils' {@code CronDescriptor} where cron-utils reads the expression, else field by field.
 */
final class CronDescriptions
{
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronParser SPRING = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING53));
    private static final CronParser QUARTZ = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));
    private static final CronDescriptor DESCRIPTOR = CronDescriptor.instance(Locale.UK);

    private CronDescriptions()
    {
    }

    /**
     * @param fields   the parsed expression.
     * @param taskHash the hash H fields are bound to, or null when unbound.
     * @return the description.
     */
    static String describe(final CronFields fields, final Long taskHash)
    {
        final StringJoiner text = new StringJoiner(" ");
        boolean unboundHash = false;
        for (final FieldSpec spec : fields.specs)
        {
            if (isImplicit(fields, spec))
            {
                continue;
            }
            if (spec.hasHash())
            {
                if (taskHash == null)
                {
                    unboundHash = true;
                    text.add(spec.text);
                }
                else
                {
                    text.add(external(spec, spec.bind(taskHash)));
                }
            }
            else
            {
                text.add(spec.text);
            }
        }
        final String suffix = unboundHash ? " (H fields are picked per task name)" : "";
        if (!unboundHash && !fields.expression.trim().startsWith("@"))
        {
            try
            {
                final CronParser parser = fields.dialect == CronDialect.UNIX ? UNIX :
                    fields.dialect == CronDialect.SPRING ? SPRING : QUARTZ;
                return DESCRIPTOR.describe(parser.parse(text.toString()));
            }
            catch (final RuntimeException ex)
            {
                // cron-utils does not read every form we accept (wrap-around ranges, some lists); fall through
            }
        }
        return fieldByField(fields, taskHash) + suffix;
    }

    private static boolean isImplicit(final CronFields fields, final FieldSpec spec)
    {
        return (spec.field == CronField.SECOND && fields.dialect == CronDialect.UNIX) ||
            (spec.field == CronField.YEAR && spec.text.equals("*") && !spec.hasHash() && !hasYearField(fields));
    }

    private static boolean hasYearField(final CronFields fields)
    {
        return fields.dialect == CronDialect.QUARTZ && fields.expression.trim().split("\\s+").length == 7;
    }

    private static String fieldByField(final CronFields fields, final Long taskHash)
    {
        final StringJoiner out = new StringJoiner(", ");
        for (final FieldSpec spec : fields.specs)
        {
            if (isImplicit(fields, spec) || spec.text.equals("*") || spec.text.equals("?"))
            {
                continue;
            }
            final String value = spec.hasHash() && taskHash != null ? external(spec, spec.bind(taskHash)) : spec.text;
            out.add(spec.field.label + " " + value);
        }
        return out.length() == 0 ? "every second" : "at " + out;
    }

    /** @return the values as a comma list in the dialect's own numbering. */
    private static String external(final FieldSpec spec, final BitSet values)
    {
        final StringJoiner list = new StringJoiner(",");
        for (int v = values.nextSetBit(0); v >= 0; v = values.nextSetBit(v + 1))
        {
            if (spec.field == CronField.DAY_OF_WEEK)
            {
                list.add(Integer.toString(spec.dialect == CronDialect.QUARTZ ? v + 1 : v));
            }
            else
            {
                list.add(Integer.toString(spec.field == CronField.YEAR ? v + CronField.YEAR.min : v));
            }
        }
        return list.toString();
    }
}
