import { useRef, type ReactNode } from 'react';

/**
 * A button that opens a file picker: focusable and operable from the keyboard, unlike a <label> around a hidden
 * input. The input stays in the DOM (tests set files on it by its test id).
 */
export function FileButton({
  className,
  accept,
  disabled,
  title,
  testId,
  onFile,
  children,
}: {
  className: string;
  accept: string;
  disabled?: boolean;
  title?: string;
  testId: string;
  onFile(input: HTMLInputElement): void;
  children: ReactNode;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className={className} disabled={disabled} title={title} onClick={() => input.current?.click()}>
        {children}
      </button>
      <input
        ref={input}
        type="file"
        accept={accept}
        hidden
        disabled={disabled}
        data-testid={testId}
        onChange={(e) => onFile(e.currentTarget)}
      />
    </>
  );
}
