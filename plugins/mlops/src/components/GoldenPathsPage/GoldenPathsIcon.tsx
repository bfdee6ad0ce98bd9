import SvgIcon, { SvgIconProps } from '@material-ui/core/SvgIcon';

/** A signpost: the nav icon of the "Golden paths" page. */
export function GoldenPathsIcon(props: SvgIconProps) {
  return (
    <SvgIcon {...props}>
      <path d="M11 2h2v3h6l2.5 2.5L19 10h-6v2h-2v-2H6V5h5V2zm0 12h2v8h-2v-8zM4 14.5 6.5 12H11v5H6.5L4 14.5z" />
    </SvgIcon>
  );
}
